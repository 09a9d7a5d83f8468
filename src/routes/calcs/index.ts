/**
 * The /v1/calc API of the original (same paths, JSON shapes and messages). Every route asks
 * the calculation policies; READ_ONLY mode answers 404 for run, abort, remove and validate_zip.
 */
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { RouteContext } from '../../app-context.js';
import { notFound } from '../../errors.js';
import { abortRemoveRoutes, shareRoutes } from './actions.js';
import { listRoutes } from './list.js';
import { resultRoutes } from './results.js';
import { runRoutes } from './run.js';
import { showRoutes } from './show.js';
import { tagRoutes } from './tags.js';

/** The routes READ_ONLY mode removes. */
const WRITE_ROUTES = ['/v1/calc/run', '/v1/calc/validate_zip', '/v1/calc/:id/abort', '/v1/calc/:id/remove'];

/** The calculation routes, on this database. */
export function calcRoutes(env: RouteContext): Router {
  const router = new Router();
  router.use(async function allowAnyOrigin(ctx: Context, next: Next) {
    ctx.set('Access-Control-Allow-Origin', '*');
    await next();
  });
  // specific paths before /v1/calc/:id
  listRoutes(router, env);
  tagRoutes(router, env);
  if (env.settings.APPLICATION_MODE === 'READ_ONLY') {
    for (const p of WRITE_ROUTES) {
      router.post(p, async function readOnly() {
        throw notFound();
      });
    }
  } else {
    runRoutes(router, env);
    abortRemoveRoutes(router, env);
  }
  shareRoutes(router, env);
  resultRoutes(router, env);
  showRoutes(router, env);
  return router;
}
