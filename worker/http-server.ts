import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../src/logging/levels.js';
import { accessLine } from '../src/logging/access-line.js';
import { clientIpOf, remoteUser } from '../src/http/remote-user.js';
import { watchBody } from '../src/http/body-timeout.js';
import type { Settings } from '../src/settings/schema.js';
import { checkLimits, maxHeaderSize } from './limits.js';

/** What the HTTP layer reports back to the worker. */
export interface HttpHooks {
  /** Called when a response is finished (for counting and recycling). */
  done: () => void;
  /** Appends an access-log line (null when the access log is off). */
  access: ((line: string) => void) | null;
  /** True once the worker is stopping: responses then close their connection. */
  stopping: () => boolean;
}

function rawAnswer(status: number, message: string): string {
  const body = `${message}\n`;
  return `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** An http.Server with gunicorn's request limits, keep-alive timeout and an access log around `handler`. */
export function createHttpServer(s: Settings, log: Logger, handler: http.RequestListener, hooks: HttpHooks): http.Server {
  const server = http.createServer({
    maxHeaderSize: maxHeaderSize(s),
    keepAliveTimeout: s.KEEPALIVE * 1000,
    headersTimeout: 60_000,
    // Long uploads are legitimate; slow clients are nginx's business. Hangs are the watchdog's.
    requestTimeout: 0,
  });
  server.maxHeadersCount = s.LIMIT_REQUEST_FIELDS + 1;
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const started = performance.now();
    if (hooks.stopping() || s.KEEPALIVE === 0) {
      res.shouldKeepAlive = false;
    }
    // once per request: when the answer is sent, or, for a client gone before it (logged as 499,
    // nginx's "client closed request"), once the handler has ended and removed what it made
    let logged = false;
    let ended: unknown;
    const logLine = (finished: boolean): void => {
      if (logged) {
        return;
      }
      logged = true;
      hooks.done();
      if (hooks.access) {
        const len = finished ? res.getHeader('content-length') : undefined;
        hooks.access(accessLine({
          ip: clientIpOf(req),
          user: remoteUser(req),
          // gunicorn's %(t)s is taken when the line is written, at the end of the request
          time: new Date(),
          method: req.method ?? '-',
          url: req.url ?? '-',
          httpVersion: req.httpVersion,
          status: finished ? res.statusCode : 499,
          bytes: len === undefined ? null : Number(len),
          referer: req.headers.referer,
          userAgent: req.headers['user-agent'],
          durationMs: performance.now() - started,
        }));
      }
    };
    let clientGone = false;
    res.on('finish', () => logLine(!clientGone));
    res.on('close', () => {
      if (!res.writableFinished) {
        clientGone = true;
        const gone = (): void => logLine(false);
        void Promise.resolve(ended).then(gone, gone);
      }
    });
    const breach = checkLimits(req, s);
    if (breach) {
      res.writeHead(breach.status, { 'Content-Type': 'text/plain', Connection: 'close' });
      res.end(`${breach.message}\n`);
      return;
    }
    watchBody(req, res, s.BODY_TIMEOUT);
    ended = handler(req, res);
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const code = err.code ?? '';
    const answer = code === 'HPE_HEADER_OVERFLOW'
      ? rawAnswer(431, `Request header too large (limits: line ${s.LIMIT_REQUEST_LINE}, ${s.LIMIT_REQUEST_FIELDS} fields of ${s.LIMIT_REQUEST_FIELD_SIZE} bytes)`)
      : code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'ERR_HTTP_HEADERS_TIMEOUT'
        ? rawAnswer(408, 'Request timeout')
        : rawAnswer(400, `Bad request: ${err.message.replace(/[\r\n]/g, ' ')}`);
    log.debug(`Client error: ${err.message}`);
    socket.end(answer);
  });
  return server;
}
