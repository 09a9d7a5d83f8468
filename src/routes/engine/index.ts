/**
 * The routes of the original 3.26 that need the engine's Python (issue 17): they reach it through
 * the engine bridge (src/bridge/); no other route does. Without an engine they answer 503 naming
 * the setting (the bridge's message).
 */
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { Sequelize } from 'sequelize';
import { EngineBridge } from '../../bridge/requests.js';
import { initCalcModels } from '../../db/models/calcs.js';
import type { Settings } from '../../settings/schema.js';
import { calcEngineRoutes } from './calc.js';
import type { EngineEnv } from './env.js';
import { toolRoutes } from './tools.js';

/** The engine routes, on this database. */
export function engineRoutes(opts: { settings: Settings; sequelize: Sequelize }): Router {
  const env: EngineEnv = { settings: opts.settings, models: initCalcModels(opts.sequelize), bridge: new EngineBridge(opts.settings) };
  const router = new Router();
  router.use(async function allowAnyOrigin(ctx: Context, next: Next) {
    ctx.set('Access-Control-Allow-Origin', '*');
    await next();
  });
  calcEngineRoutes(router, env);
  toolRoutes(router, env);
  return router;
}
