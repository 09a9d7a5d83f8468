/**
 * The HTTP worker's end of the engine bridge (see wire.ts): one unix-socket connection per
 * request. Only the routes that need the engine call this; a refusal becomes an HttpError with the
 * bridge's status and message (503 when the bridge is down or its Python died, 504 past its limit).
 */
import net from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
import { HttpError, serviceUnavailable } from '../errors.js';
import type { BridgeHeader } from './wire.js';

/** A JSON answer, or a file streamed from the bridge (`size` bytes). */
export type BridgeReply = { kind: 'json'; text: string } | { kind: 'file'; size: number; name: string; stream: Readable };

const DOWN = 'The engine bridge is not running (it may be restarting): try again in a moment';
const ENDED = 'The engine bridge ended during this request: try again';

/** Sends `op` with `args` to the bridge at `socketPath`; rejects with an HttpError when refused. */
export function askBridge(socketPath: string, op: string, args: Record<string, unknown>): Promise<BridgeReply> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(socketPath);
    let head: Buffer = Buffer.alloc(0);
    let settled = false;
    const fail = (e: HttpError): void => {
      if (!settled) {
        settled = true;
        reject(e);
      }
      sock.destroy();
    };
    sock.on('error', (e: NodeJS.ErrnoException) => fail(serviceUnavailable(e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? DOWN : ENDED)));
    sock.on('close', () => fail(serviceUnavailable(ENDED)));
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const nl = head.indexOf(10);
      if (nl < 0) {
        return;
      }
      sock.off('data', onData);
      let h: BridgeHeader;
      try {
        h = JSON.parse(head.subarray(0, nl).toString('utf8')) as BridgeHeader;
      } catch {
        fail(serviceUnavailable(ENDED));
        return;
      }
      if (!h.ok) {
        fail(new HttpError(h.status, h.message));
        return;
      }
      settled = true;
      if ('json' in h) {
        sock.end();
        resolve({ kind: 'json', text: h.json });
        return;
      }
      const body = new PassThrough();
      let received = head.length - nl - 1;
      body.write(head.subarray(nl + 1));
      sock.pipe(body, { end: false });
      sock.on('data', (c: Buffer) => {
        received += c.length;
      });
      sock.on('close', () => {
        // fewer bytes than announced: the client must see a cut response, not a short "complete" one
        if (received < h.size) {
          body.destroy(new Error(ENDED));
        } else {
          body.end();
        }
      });
      resolve({ kind: 'file', size: h.size, name: h.name, stream: body });
    };
    sock.on('data', onData);
    sock.write(`${JSON.stringify({ op, args })}\n`);
  });
}
