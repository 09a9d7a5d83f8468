import type Router from '@koa/router';
import Koa from 'koa';
import compose from 'koa-compose';
import type { AppHost, RouteContext } from './app-context.js';
import { ensureSecretKey } from './auth/secret-key.js';
import { EngineBridge } from './bridge/requests.js';
import { actorMiddleware } from './middlewares/actor.js';
import { clientIpMiddleware } from './http/client-ip.js';
import { databasePresent } from './middlewares/database-present.js';
import { errorHandler } from './middlewares/error-handler.js';
import { lockdownGate } from './middlewares/lockdown.js';
import { hostCheck } from './middlewares/host-check.js';
import { originCheck } from './middlewares/origin-check.js';
import { sessionMiddleware } from './middlewares/session.js';
import { ServingDatabase } from './db/availability.js';
import type { OpenDatabase } from './db/database.js';
import { initCalcModels } from './db/models/calcs.js';
import { accountsRoutes } from './routes/accounts/index.js';
import { adminRoutes } from './routes/admin/index.js';
import { calcRoutes } from './routes/calcs/index.js';
import { engineVersionRoutes } from './routes/engine-version.js';
import { engineRoutes } from './routes/engine/index.js';
import { removeStaleUploads } from './runner/stale-uploads.js';
import { loadAssets, staticFiles } from './routes/pages/assets.js';
import { pageRoutes } from './routes/pages/index.js';
import { pageHeaders } from './routes/pages/layout.js';

/** The routers' middleware (their routes, then their 405/501 answers), one after the other, under `prefix`. */
function routersChain(prefix: string, routers: Router[]): Koa.Middleware {
  const chain: Koa.Middleware[] = [];
  for (const r of routers) {
    if (prefix) {
      r.prefix(prefix);
    }
    chain.push(r.routes() as unknown as Koa.Middleware, r.allowedMethods() as unknown as Koa.Middleware);
  }
  // koa-compose: what app.use() chains middleware with
  return compose(chain);
}

/** Builds the Koa application: middleware in order, then every router under WEBUI_PATHPREFIX. */
export async function createApp(deps: AppHost): Promise<Koa> {
  const app = new Koa({ proxy: false });
  app.silent = true;
  // uploads left half-received by workers that died (the runner sweeps them too)
  void removeStaleUploads(deps.settings.DATA_DIR).catch(() => undefined);
  app.use(errorHandler(deps.log, deps.settings.DATABASE));
  app.use(hostCheck(deps.settings));
  // pages' security headers; static files before sessions (they need none)
  app.use(pageHeaders({ settings: deps.settings, assets: loadAssets(deps.settings.WEBUI_PATHPREFIX) }));
  app.use(staticFiles(deps.settings.WEBUI_PATHPREFIX));
  // the database must exist and be migrated: otherwise this throws and the worker fails to boot,
  // unless the server already serves (deps.waitForDatabase): then it answers 503 until it can be used
  const database = new ServingDatabase(deps.settings.DATABASE);
  const unavailable = await database.boot(deps.waitForDatabase ?? false);
  if (unavailable !== null) {
    deps.log.warning(`Worker booted without its database: ${unavailable.message}`);
  }
  app.use(clientIpMiddleware(deps.settings));
  // a data folder moved away answers 503 on every route, not only on those that open files
  app.use(databasePresent(database, (db) => usingDatabase(app, deps, db)));
  return app;
}

/** The middleware and routers that need the database, in order. */
function usingDatabase(app: Koa, deps: AppHost, db: OpenDatabase): Koa.Middleware {
  const { settings, log, writeLine, notify } = deps;
  const rc: RouteContext = {
    settings, log, writeLine, notify,
    models: { ...db.models, ...initCalcModels(db.sequelize) },
    bridge: new EngineBridge(settings),
  };
  const chain: Koa.Middleware[] = [];
  if (settings.LOCKDOWN) {
    chain.push(sessionMiddleware(app, settings, db.models, ensureSecretKey(settings).key));
  }
  chain.push(originCheck(settings));
  chain.push(actorMiddleware(settings, db.models));
  if (settings.LOCKDOWN) {
    chain.push(lockdownGate(settings));
  }
  const prefix = settings.WEBUI_PATHPREFIX;
  // /v1/ goes to the API's routers only, everything else to the pages' (no route is in both): a
  // request is matched against its own group's routes, not every route of the server
  const pages = routersChain(prefix, [
    // first: GET /admin/ from a browser is the admin page, from an API client the JSON route
    pageRoutes(rc),
    ...(settings.LOCKDOWN ? [accountsRoutes(rc), adminRoutes(rc)] : []),
  ]);
  const api = routersChain(prefix, [
    engineVersionRoutes(rc),
    // before the calculation routes: /v1/calc/:id/extract/... is more specific than /v1/calc/:id
    engineRoutes(rc),
    calcRoutes(rc),
  ]);
  const apiPath = `${prefix}/v1/`;
  chain.push(function route(ctx, next) {
    return ctx.path.startsWith(apiPath) ? api(ctx, next) : pages(ctx, next);
  });
  return compose(chain);
}
