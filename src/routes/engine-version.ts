import Router from '@koa/router';
import type { RouteContext } from '../app-context.js';
import { engineVersionNow } from '../bridge/engine-info.js';

/** How long a request made before the engine bridge first answered waits for it (a first start can be slow). */
const FIRST_ANSWER_WAIT_MS = 30_000;

/** GET /v1/engine_version: the engine's version as plain text, as the engine bridge told the master. */
export function engineVersionRoutes(_env: RouteContext): Router {
  const router = new Router();
  router.get('/v1/engine_version', async function engineVersion(ctx) {
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.set('Content-Type', 'text/plain; charset=utf-8');
    ctx.body = await engineVersionNow(FIRST_ANSWER_WAIT_MS);
  });
  return router;
}
