import Koa from 'koa';
import type { AppDeps } from './app-context.js';
import { errorHandler } from './middlewares/error-handler.js';
import { engineVersionRoutes } from './routes/engine-version.js';

/** Builds the Koa application: middleware in order, then every router under WEBUI_PATHPREFIX. */
export async function createApp(deps: AppDeps): Promise<Koa> {
  const app = new Koa({ proxy: false });
  app.silent = true;
  app.use(errorHandler(deps.log));
  const routers = [engineVersionRoutes(deps.settings)];
  for (const r of routers) {
    if (deps.settings.WEBUI_PATHPREFIX) {
      r.prefix(deps.settings.WEBUI_PATHPREFIX);
    }
    app.use(r.routes());
    app.use(r.allowedMethods());
  }
  return app;
}
