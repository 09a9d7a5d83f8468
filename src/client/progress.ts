/** The engine's progress lines: `classical  50% [of 4 tasks]` → 50. */
const PROGRESS = /^\s*\S+\s+(\d{1,3})%\s*\[/;

/** The percentage of a progress line, or null. */
export function progressOf(message: string): number | null {
  const m = PROGRESS.exec(message);
  return m ? Math.min(100, Number(m[1])) : null;
}

/** A <progress> bar with its percentage as text and an accessible name. */
export function progressBar(value: number, label: string): HTMLProgressElement {
  const p = document.createElement('progress');
  p.max = 100;
  p.value = value;
  p.textContent = `${value}%`;
  p.setAttribute('aria-label', label);
  p.title = `${value}%`;
  return p;
}
