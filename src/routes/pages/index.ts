/**
 * The browser pages under WEBUI_PATHPREFIX: `/` → `/engine/`, the calculation list, the outputs
 * of one calculation, the license, and (LOCKDOWN on) the admin pages at /admin/ for browsers
 * (a request that prefers JSON gets the JSON admin routes as before). The pages are HTML shells
 * built here with escaping; src/client/ fills them from the JSON API, which checks every action.
 */
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { badRequest, HttpError } from '../../errors.js';
import { actorOf } from '../../middlewares/state.js';
import { authorizeAdmin, loadCalculationFor, mayGrantPrivileges } from '../../policies/index.js';
import type { RouteContext } from '../../app-context.js';
import type { Settings } from '../../settings/schema.js';
import { calcExtras } from './calc-actions.js';
import { engineMissingNotice } from './engine-check.js';
import { html } from './html.js';
import { sendPage } from './layout.js';
import { adminMain, licenseMain, listMain, outputsMain } from './views.js';

/** The engine notice, rechecked at most every 10 s per worker. */
function engineNotice(s: Settings): () => string | null {
  let at = 0;
  let notice: string | null = null;
  return () => {
    if (Date.now() - at > 10_000) {
      notice = engineMissingNotice(s.ENGINE_COMMAND);
      at = Date.now();
    }
    return notice;
  };
}

/** A page that says what went wrong, as a sentence. */
function errorPage(ctx: Context, status: number, title: string, message: string): void {
  sendPage(ctx, { title, main: html`<p class="error-text">${message}</p><p><a href="${ctx.state.pages.settings.WEBUI_PATHPREFIX}/engine/">Back to the calculations</a></p>` }, status);
}

/**
 * Runs a page's load → authorize step (the policies module's, as the API's routes do); its
 * 404 and 403 become a page that says so in a sentence (undefined is returned then).
 */
async function authorizedOrPage<T>(ctx: Context, step: () => Promise<T> | T, notFound: string): Promise<T | undefined> {
  try {
    return await step();
  } catch (e) {
    if (e instanceof HttpError && e.status === 404) {
      errorPage(ctx, 404, 'Not found', notFound);
      return undefined;
    }
    if (e instanceof HttpError && e.status === 403) {
      errorPage(ctx, 403, 'Not allowed', `${e.message}.`);
      return undefined;
    }
    throw e;
  }
}

/** The page routes. */
export function pageRoutes(env: RouteContext): Router {
  const s = env.settings;
  const p = s.WEBUI_PATHPREFIX;
  const notice = engineNotice(s);
  const db = env.models;
  const router = new Router();

  router.get('/', function root(ctx) {
    ctx.status = 301;
    ctx.redirect(`${p}/engine/`);
  });

  router.get('/engine/', function calcListPage(ctx) {
    const actor = actorOf(ctx);
    sendPage(ctx, {
      title: 'Calculations', section: 'engine', page: 'list',
      data: { user: actor.username, canRun: s.APPLICATION_MODE === 'READ_ONLY' ? 'no' : 'yes' },
      main: listMain({ canRun: s.APPLICATION_MODE !== 'READ_ONLY', engineNotice: notice() }),
    });
  });

  router.get('/engine/license', function licensePage(ctx) {
    sendPage(ctx, { title: 'License', section: 'engine', main: licenseMain() });
  });

  router.get('/engine/actions', async function calcActions(ctx) {
    const actor = actorOf(ctx);
    const raw = typeof ctx.query.ids === 'string' ? ctx.query.ids : '';
    const ids = raw === '' ? [] : raw.split(',');
    if (ids.length > 1000 || !ids.every((id) => /^\d{1,15}$/.test(id))) {
      throw badRequest('ids must be a comma-separated list of at most 1000 calculation ids');
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await calcExtras(db, actor, ids.map(Number), s);
  });

  router.get('/engine/:id/outputs', async function outputsPage(ctx) {
    const id = ctx.params.id;
    const loaded = await authorizedOrPage(ctx, () => loadCalculationFor(db, actorOf(ctx), id, 'see', { aclOn: s.ACL_ON }), `There is no calculation ${id}.`);
    if (loaded === undefined) {
      return;
    }
    const { job } = loaded;
    sendPage(ctx, {
      title: `Outputs of calculation ${job.id}`, section: 'engine', page: 'outputs',
      data: { calcId: String(job.id), status: job.status },
      main: outputsMain(job),
    });
  });

  if (s.LOCKDOWN) {
    // browsers get the admin page; API clients (Accept: application/json, */*) the JSON routes
    const adminPage = async function adminPage(ctx: Context, next: Next): Promise<void> {
      if (ctx.accepts('json', 'html') !== 'html') {
        await next();
        return;
      }
      ctx.vary('Accept');
      const actor = actorOf(ctx);
      const allowed = await authorizedOrPage(ctx, () => {
        authorizeAdmin(actor);
        return true;
      }, 'There is no such page.');
      if (allowed === undefined) {
        return;
      }
      sendPage(ctx, {
        title: 'Users and groups', section: 'admin', page: 'admin',
        data: { mayGrant: mayGrantPrivileges(actor) ? 'yes' : 'no', user: actor.username },
        main: adminMain(),
      });
    };
    router.get('/admin', adminPage);
    router.get('/admin/', adminPage);
    router.get('/admin/users', adminPage);
    router.get('/admin/groups', adminPage);
  }
  return router;
}
