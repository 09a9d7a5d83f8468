import type { Context, Next } from 'koa';
import type { Logger } from '../logging/levels.js';
import { databaseUnavailable, HttpError } from '../errors.js';

function wantsJson(ctx: Context): boolean {
  return ctx.path.includes('/v1/') || ctx.path.includes('/admin') || ctx.path.includes('/ajax_') || ctx.accepts('html', 'json') === 'json';
}

/** How often one worker repeats the same sentence about an unusable database (every request fails alike). */
const REPEAT_UNAVAILABLE_MS = 60_000;

/**
 * The one place where errors become responses; a 500 never shows an internal message. A
 * database that cannot be used (src/db/errors.ts) is a 503 with the same short answer on every
 * route, and one sentence for the operator in the log.
 */
export function errorHandler(log: Logger, databaseUrl: string) {
  let lastSaid = '';
  let lastSaidAt = 0;
  const tellOperator = (line: string): void => {
    const now = Date.now();
    if (line !== lastSaid || now - lastSaidAt >= REPEAT_UNAVAILABLE_MS) {
      lastSaid = line;
      lastSaidAt = now;
      log.error(line);
    }
  };
  return async function handleErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } catch (err) {
      const unavailable = databaseUnavailable(err, databaseUrl);
      if (unavailable !== null) {
        tellOperator(unavailable.logLine);
      }
      const e = (unavailable?.answer ?? err) as Error & { status?: number; statusCode?: number; expose?: boolean };
      const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500;
      if (status >= 500 && unavailable === null) {
        log.error(`${ctx.method} ${ctx.url} failed: ${e.stack ?? String(e)}`);
      }
      ctx.status = status;
      // 503/504 made by the server (the engine bridge down, busy or past its limit) say why; other 5xx never leak
      const shown = status < 500 || unavailable !== null || (e instanceof HttpError && (status === 503 || status === 504));
      const message = shown && e.expose !== false ? e.message : 'Internal Server Error';
      if (e instanceof HttpError && e.body !== undefined) {
        ctx.body = e.body;
      } else if (wantsJson(ctx)) {
        ctx.body = { error: message };
      } else {
        ctx.type = 'text/plain';
        ctx.body = message;
      }
    }
  };
}
