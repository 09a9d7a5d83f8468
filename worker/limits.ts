import type { IncomingMessage } from 'node:http';
import type { Settings } from '../src/settings/schema.js';

/** A request over one of gunicorn's limits: the status and a message naming the limit. */
export interface LimitBreach {
  status: number;
  message: string;
}

/** The parser's own cap on the whole head: big enough for every limit below to be checked by us. */
export function maxHeaderSize(s: Settings): number {
  return s.LIMIT_REQUEST_LINE + 4 + s.LIMIT_REQUEST_FIELDS * (s.LIMIT_REQUEST_FIELD_SIZE + 2) + 2;
}

/** Checks the request line and headers against LIMIT_REQUEST_LINE, _FIELDS and _FIELD_SIZE. */
export function checkLimits(req: IncomingMessage, s: Settings): LimitBreach | null {
  const lineLength = (req.method ?? '').length + 1 + (req.url ?? '').length + 9;
  if (s.LIMIT_REQUEST_LINE > 0 && lineLength > s.LIMIT_REQUEST_LINE) {
    return { status: 414, message: `Request line too long: ${lineLength} bytes (limit ${s.LIMIT_REQUEST_LINE})` };
  }
  const raw = req.rawHeaders;
  if (raw.length / 2 > s.LIMIT_REQUEST_FIELDS) {
    return { status: 431, message: `Too many header fields (limit ${s.LIMIT_REQUEST_FIELDS})` };
  }
  for (let i = 0; i < raw.length; i += 2) {
    const size = raw[i].length + 2 + raw[i + 1].length;
    if (size > s.LIMIT_REQUEST_FIELD_SIZE) {
      return { status: 431, message: `Header field ${raw[i]} too long: ${size} bytes (limit ${s.LIMIT_REQUEST_FIELD_SIZE})` };
    }
  }
  return null;
}
