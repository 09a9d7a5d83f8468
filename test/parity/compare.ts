/**
 * What the parity suite compares of one response, and how: status, the headers clients and
 * proxies act on, the body (JSON by path and type and value; text as text; pages and files only
 * by their headers), and the lines the request added to webui-access.log. Every difference is
 * named by its field: `status`, a header name, `body`, `access-log`, or a JSON path with `[*]`
 * for array positions (`$[*].relevant`).
 */
import { normalize, type NormContext } from './normalize.js';

/** The parts of a response the suite compares. */
export interface Captured {
  status: number;
  headers: Record<string, string>;
  kind: 'json' | 'text' | 'html' | 'file' | 'empty';
  body: unknown;
  accessLog: string[];
}

/** One difference: the field, and what each server gave there. */
export interface Difference {
  field: string;
  ours: string;
  original: string;
}

/** The headers compared; `charset` is the charset parameter of Content-Type, `content-type` its media type. */
export const HEADERS = ['content-type', 'charset', 'location', 'content-disposition', 'access-control-allow-origin', 'allow'];

/** Reads a response into the compared parts (the body normalised for its server). */
export async function capture(res: Response, ctx: NormContext, accessLog: string[]): Promise<Captured> {
  const headers: Record<string, string> = {};
  for (const h of HEADERS) {
    const v = res.headers.get(h);
    if (v !== null) {
      headers[h] = String(normalize(v, ctx));
    }
  }
  const [media, ...params] = (res.headers.get('content-type') ?? '').toLowerCase().split(';').map((p) => p.trim());
  delete headers['content-type'];
  if (media) {
    headers['content-type'] = media;
  }
  const charset = params.find((p) => p.startsWith('charset='));
  if (charset) {
    headers.charset = charset.slice('charset='.length);
  }
  const type = headers['content-type'] ?? '';
  const buf = Buffer.from(await res.arrayBuffer());
  let kind: Captured['kind'];
  let body: unknown = null;
  if (buf.length === 0) {
    kind = 'empty';
  } else if (headers['content-disposition']?.startsWith('attachment')) {
    kind = 'file';
  } else if (type.startsWith('text/html')) {
    kind = 'html';
  } else {
    try {
      body = normalize(JSON.parse(buf.toString('utf8')), ctx);
      kind = 'json';
    } catch {
      body = normalize(buf.toString('utf8'), ctx);
      kind = 'text';
    }
  }
  return { status: res.status, headers, kind, body, accessLog: accessLog.map((l) => String(normalize(l, ctx))) };
}

const show = (v: unknown): string => (v === undefined ? '(none)' : JSON.stringify(v).slice(0, 200));

function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** The differences between two JSON values, by path. */
function jsonDiff(ours: unknown, original: unknown, path: string, out: Difference[]): void {
  if (typeOf(ours) !== typeOf(original)) {
    out.push({ field: path, ours: show(ours), original: show(original) });
    return;
  }
  if (Array.isArray(ours) && Array.isArray(original)) {
    if (ours.length !== original.length) {
      out.push({ field: `${path}.length`, ours: String(ours.length), original: String(original.length) });
    }
    const seen = new Set<string>();
    for (let i = 0; i < Math.min(ours.length, original.length); i++) {
      const sub: Difference[] = [];
      jsonDiff(ours[i], original[i], `${path}[*]`, sub);
      // one difference per field across the rows
      for (const d of sub) {
        if (!seen.has(d.field)) {
          seen.add(d.field);
          out.push(d);
        }
      }
    }
    return;
  }
  if (ours !== null && original !== null && typeof ours === 'object' && typeof original === 'object') {
    const a = ours as Record<string, unknown>;
    const b = original as Record<string, unknown>;
    for (const k of new Set([...Object.keys(b), ...Object.keys(a)])) {
      jsonDiff(a[k], b[k], `${path}.${k}`, out);
    }
    return;
  }
  if (ours !== original) {
    out.push({ field: path, ours: show(ours), original: show(original) });
  }
}

/** Every difference between our response and the original's. */
export function differences(ours: Captured, original: Captured): Difference[] {
  const out: Difference[] = [];
  if (ours.status !== original.status) {
    out.push({ field: 'status', ours: String(ours.status), original: String(original.status) });
  }
  for (const h of HEADERS) {
    if (ours.headers[h] !== original.headers[h]) {
      out.push({ field: h, ours: show(ours.headers[h]), original: show(original.headers[h]) });
    }
  }
  if (ours.kind !== original.kind) {
    out.push({ field: 'body', ours: `${ours.kind} ${show(ours.body)}`, original: `${original.kind} ${show(original.body)}` });
  } else if (ours.kind === 'json') {
    jsonDiff(ours.body, original.body, '$', out);
  } else if (ours.kind === 'text' && ours.body !== original.body) {
    out.push({ field: 'body', ours: show(ours.body), original: show(original.body) });
  }
  if (JSON.stringify(ours.accessLog) !== JSON.stringify(original.accessLog)) {
    out.push({ field: 'access-log', ours: show(ours.accessLog), original: show(original.accessLog) });
  }
  return out;
}
