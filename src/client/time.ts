/** Times of the API shown in the browser's local time, with the UTC original on hover. */

/** Parses the list's `2025-01-31, 14:05:09 UTC` (or an ISO time); null when it cannot. */
export function parseApiTime(text: string | null): Date | null {
  if (!text) {
    return null;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})[, T]+(\d{2}):(\d{2}):(\d{2})/.exec(text);
  if (!m) {
    return null;
  }
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `2025-01-31 15:05:09` in the browser's time zone. */
export function localTime(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A <time> element: local time as text, UTC in the title. */
export function timeElement(text: string | null): HTMLElement {
  const d = parseApiTime(text);
  const t = document.createElement('time');
  if (d === null) {
    t.textContent = text ?? '';
    return t;
  }
  t.dateTime = d.toISOString();
  t.textContent = localTime(d);
  t.title = `${text?.includes('UTC') ? text : `${d.toISOString().replace('T', ' ').slice(0, 19)} UTC`}`;
  return t;
}
