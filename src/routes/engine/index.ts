/**
 * The routes of the original 3.26 that need the engine's Python (issue 17): they reach it through
 * the engine bridge (src/bridge/); no other route does. Without an engine they answer 503 naming
 * the setting (the bridge's message).
 */
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { RouteContext } from '../../app-context.js';
import { calcEngineRoutes } from './calc.js';
import { iniRoutes } from './inis.js';
import { toolRoutes } from './tools.js';

/** The engine routes, on this database. */
export function engineRoutes(env: RouteContext): Router {
  const router = new Router();
  router.use(async function allowAnyOrigin(ctx: Context, next: Next) {
    ctx.set('Access-Control-Allow-Origin', '*');
    await next();
  });
  iniRoutes(router, env);
  calcEngineRoutes(router, env);
  toolRoutes(router, env);
  return router;
}
