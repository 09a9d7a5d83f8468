import { progressOf } from '../runner/engine-log.js';

/** The percentage of an engine progress line (`classical  50% [4 submitted, 0 queued]` → 50), or null: the runner's own parser. */
export function percentOf(message: string): number | null {
  return progressOf(message)?.percent ?? null;
}

/** A <progress> bar with an accessible name, and its percentage written beside it. */
export function progressBar(value: number, label: string): HTMLElement {
  const wrap = document.createElement('span');
  wrap.className = 'progress';
  const p = document.createElement('progress');
  p.max = 100;
  p.value = value;
  p.textContent = `${value}%`;
  p.setAttribute('aria-label', label);
  const text = document.createElement('span');
  text.className = 'percent';
  text.textContent = `${value}%`;
  wrap.append(p, text);
  return wrap;
}
