/**
 * BODY_TIMEOUT: a request body must arrive within BODY_TIMEOUT seconds, plus one second for
 * every BODY_BYTES_PER_SECOND bytes received (Apache mod_reqtimeout's `body=T,MinRate=R`): a
 * large upload on a slow but honest link goes through, a trickled body (slowloris) is cut.
 * Time during which the server itself is not reading (the stream is paused) is not counted.
 * A cut body is answered 408 with `Connection: close`; the request then ends as aborted (its
 * handler sees the request close before its end) and the connection is closed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Each this many bytes received extend the deadline by one second (a minimal rate of 64 KiB/s). */
export const BODY_BYTES_PER_SECOND = 64 * 1024;

/** Whether the request announces a body. */
function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/** Watches the body of `req` (nothing to do when it has none or the setting is 0). */
export function watchBody(req: IncomingMessage, res: ServerResponse, timeoutSeconds: number): void {
  if (timeoutSeconds <= 0 || !hasBody(req) || req.complete) {
    return;
  }
  const socket = req.socket;
  const started = Date.now();
  const bytesAtStart = socket.bytesRead;
  const step = Math.max(50, Math.min(1000, (timeoutSeconds * 1000) / 4));
  let pausedMs = 0;
  let last = started;
  const timer = setInterval(() => {
    const now = Date.now();
    // (after the answer, a body still arriving is read and dropped by node: still watched)
    if (req.complete || req.destroyed) {
      clearInterval(timer);
      return;
    }
    // a paused stream is the server's choice (backpressure, a slow disk, a handler not reading yet)
    if (req.readableFlowing !== true) {
      pausedMs += now - last;
    }
    last = now;
    const received = socket.bytesRead - bytesAtStart;
    const allowed = timeoutSeconds * 1000 + pausedMs + (received / BODY_BYTES_PER_SECOND) * 1000;
    if (now - started > allowed) {
      clearInterval(timer);
      cut(req, res, timeoutSeconds);
    }
  }, step);
  timer.unref();
  req.once('close', () => clearInterval(timer));
}

/**
 * Answers 408 and closes the connection. The request is destroyed too: node detaches a request
 * from its socket once the answer is sent, so the socket closing would not end it, and a
 * handler still reading its body would wait for ever.
 */
function cut(req: IncomingMessage, res: ServerResponse, timeoutSeconds: number): void {
  const end = (): void => {
    req.destroy();
  };
  if (res.headersSent) {
    if (res.writableFinished) {
      end();
    } else {
      res.once('finish', end);
      res.once('close', end);
    }
    return;
  }
  const body = `Request body timeout: the body did not arrive within BODY_TIMEOUT (${timeoutSeconds} s plus 1 s per ${BODY_BYTES_PER_SECOND / 1024} KiB)\n`;
  res.shouldKeepAlive = false;
  res.writeHead(408, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
  res.end(body, end);
}
