import { oneLine } from './escape.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

let cachedSecond = -1;
let cachedStamp = '';

/** `[10/Oct/2000:13:55:36 +0000]`, the %(t)s of gunicorn's access log (UTC); computed once per second. */
export function accessTimestamp(d: Date): string {
  const second = Math.floor(d.getTime() / 1000);
  if (second !== cachedSecond) {
    const p = (n: number) => String(n).padStart(2, '0');
    cachedStamp = `[${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000]`;
    cachedSecond = second;
  }
  return cachedStamp;
}

/** What one request contributes to the access log. */
export interface AccessRecord {
  ip: string;
  user: string | null;
  time: Date;
  method: string;
  url: string;
  httpVersion: string;
  status: number;
  bytes: number | null;
  referer: string | undefined;
  userAgent: string | undefined;
  durationMs: number;
}

const NEEDS_QUOTE_ESCAPE = /["\\]/;

/** A field between double quotes: `"` and `\` backslashed, control characters escaped. */
function quoted(v: string | undefined): string {
  if (!v) {
    return '-';
  }
  // most values need no escaping: test once rather than run a replace on every field
  return oneLine(NEEDS_QUOTE_ESCAPE.test(v) ? v.replace(/["\\]/g, (c) => `\\${c}`) : v);
}

/** A bare field (no blanks allowed: they separate the fields). */
function bare(v: string | null): string {
  return v ? oneLine(v).replace(/ /g, '\\x20') : '-';
}

/** gunicorn's default access line `%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"` plus the response time. */
export function accessLine(r: AccessRecord): string {
  const request = quoted(`${r.method} ${r.url} HTTP/${r.httpVersion}`);
  const bytes = r.bytes === null ? '-' : String(r.bytes);
  return `${bare(r.ip)} - ${bare(r.user)} ${accessTimestamp(r.time)} "${request}" ${r.status} ${bytes} "${quoted(r.referer)}" "${quoted(r.userAgent)}" ${r.durationMs.toFixed(3)}ms\n`;
}
