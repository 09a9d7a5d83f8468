import type { EngineProgress } from '../runner/engine-log.js';

/** How far a running calculation got: the engine's last `task percent%` line (the runner's own parser reads it). */
export type Progress = EngineProgress;

/** The words beside the bar: at 100 % the engine is not done, it is past its last percentage (exports, saving, the next phase). */
export function progressText(p: Progress): string {
  return p.percent >= 100 ? `${p.task} 100%, finishing…` : `${p.task} ${p.percent}%`;
}

/** Sets a <progress>: its value while the engine counts, indeterminate (no value) once past its last percentage. */
export function showProgress(bar: HTMLProgressElement, p: Progress, label: string): void {
  if (p.percent >= 100) {
    bar.removeAttribute('value');
  } else {
    bar.value = p.percent;
  }
  bar.textContent = progressText(p);
  bar.setAttribute('aria-label', `${label}: ${progressText(p)}`);
}

/** A <progress> bar with an accessible name, and its task and percentage (or phase) written beside it. */
export function progressBar(p: Progress, label: string): HTMLElement {
  const wrap = document.createElement('span');
  wrap.className = 'progress';
  const bar = document.createElement('progress');
  bar.max = 100;
  showProgress(bar, p, label);
  const text = document.createElement('span');
  text.className = 'percent';
  text.textContent = progressText(p);
  wrap.append(bar, text);
  return wrap;
}
