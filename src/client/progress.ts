/** The engine's progress lines: `classical  50% [of 4 tasks]` → 50. */
const PROGRESS = /^\s*\S+\s+(\d{1,3})%\s*\[/;

/** The percentage of a progress line, or null. */
export function progressOf(message: string): number | null {
  const m = PROGRESS.exec(message);
  return m ? Math.min(100, Number(m[1])) : null;
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
