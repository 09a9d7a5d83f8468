/**
 * /admin (LOCKDOWN on): users and groups as JSON, for staff and superusers; everyone else
 * gets 403. Every change is logged to the server log with who did what.
 */
import Router from '@koa/router';
import { smallBody } from '../../middlewares/body.js';
import { actorOf } from '../../middlewares/state.js';
import { authorizeAdmin } from '../../policies/load-admin.js';
import type { RouteContext } from '../../app-context.js';
import { adminGroupRoutes } from './groups.js';
import { adminUserRoutes } from './users.js';

/** The /admin router. */
export function adminRoutes(env: RouteContext): Router {
  // full paths, not Router({ prefix }): app.ts's router.prefix(WEBUI_PATHPREFIX) replaces a prefix
  const router = new Router();
  router.use(async function staffOnly(ctx, next) {
    authorizeAdmin(actorOf(ctx));
    await next();
  });
  router.use(smallBody());
  router.get('/admin/', function adminIndex(ctx) {
    const p = env.settings.WEBUI_PATHPREFIX;
    ctx.body = { users: `${p}/admin/users`, groups: `${p}/admin/groups` };
  });
  adminUserRoutes(router, env);
  adminGroupRoutes(router, env);
  return router;
}
