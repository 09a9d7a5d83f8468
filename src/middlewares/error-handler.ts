import type { Context, Next } from 'koa';
import type { Logger } from '../logging/levels.js';
import { HttpError } from '../errors.js';

function wantsJson(ctx: Context): boolean {
  return ctx.path.includes('/v1/') || ctx.path.includes('/admin') || ctx.path.includes('/ajax_') || ctx.accepts('html', 'json') === 'json';
}

/** The one place where errors become responses; a 500 never shows an internal message. */
export function errorHandler(log: Logger) {
  return async function handleErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } catch (err) {
      const e = err as Error & { status?: number; statusCode?: number; expose?: boolean };
      const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500;
      if (status >= 500) {
        log.error(`${ctx.method} ${ctx.url} failed: ${e.stack ?? String(e)}`);
      }
      ctx.status = status;
      const message = status < 500 && e.expose !== false ? e.message : 'Internal Server Error';
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
