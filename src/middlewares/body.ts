import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import { badRequest } from '../errors.js';

/** Parses small JSON and form bodies (accounts and admin routes); 400 on malformed ones. */
export function smallBody() {
  return bodyParser({
    enableTypes: ['json', 'form'],
    jsonLimit: '64kb',
    formLimit: '64kb',
    onError: () => {
      throw badRequest('The request body is malformed.');
    },
  });
}

/** The parsed body as a record ({} when there is none). */
export function bodyOf(ctx: Context): Record<string, unknown> {
  const body = (ctx.request as { body?: unknown }).body;
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? body as Record<string, unknown> : {};
}
