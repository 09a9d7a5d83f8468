/**
 * The engine routes of one calculation, read through the engine bridge: extract (the API of the
 * engine's WebExtractor and of the QGIS plugin), download_png, job_zip. Each loads the job and
 * asks the policies (see, then the original's extract and job_zip rules) before any Python runs.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { datastoreOf } from '../../bridge/datastore.js';
import { forbidden, notFound } from '../../errors.js';
import { actorOf } from '../../middlewares/state.js';
import { loadCalculationFor, mayDownloadJobZip, mayExtract } from '../../policies/index.js';
import { sendStream } from './env.js';
import type { RouteContext } from '../../app-context.js';

/** What the original's URL patterns accept after extract/ and download_png/. */
const WHAT = /^[-/_.\w]+$/;
const PNG_WHAT = /^[-/_.()\w]+$/;

/** The query string as the original passes it to extract: `?` + the unquoted text (unquote_plus), or ''. */
function rawQuery(ctx: Context): string {
  if (!ctx.querystring) {
    return '';
  }
  try {
    return `?${decodeURIComponent(ctx.querystring.replace(/\+/g, ' '))}`;
  } catch {
    return `?${ctx.querystring}`;
  }
}

/** `what` from a `*what` parameter (the router gives the segments). */
function whatOf(ctx: Context, re: RegExp): string {
  const raw = ctx.params.what as unknown;
  const what = Array.isArray(raw) ? raw.join('/') : String(raw ?? '');
  if (!re.test(what)) {
    throw notFound();
  }
  return what;
}

/** Registers extract, download_png and job_zip. */
export function calcEngineRoutes(router: Router, env: RouteContext): void {
  const see = (ctx: Context) => loadCalculationFor(env.models, actorOf(ctx), ctx.params.id, 'see', { aclOn: env.settings.ACL_ON });

  router.get('/v1/calc/:id/extract/*what', async function calcExtract(ctx) {
    const what = whatOf(ctx, WHAT);
    const { job } = await see(ctx);
    const query = rawQuery(ctx);
    if (!mayExtract(actorOf(ctx), what, query)) {
      throw forbidden(`User ${actorOf(ctx).username} may not extract ${what}`);
    }
    const file = await env.bridge.extract(await datastoreOf(env.settings.DATA_DIR, job), what, query);
    sendStream(ctx, file, 'application/x-zip', `${what.replace(/\//g, '-')}.npz`);
  });

  router.get('/v1/calc/:id/download_png/*what', async function calcDownloadPng(ctx) {
    const what = whatOf(ctx, PNG_WHAT);
    const { job } = await see(ctx);
    sendStream(ctx, await env.bridge.downloadPng(await datastoreOf(env.settings.DATA_DIR, job), what), 'image/png');
  });

  router.get('/v1/calc/:id/job_zip', async function calcJobZip(ctx) {
    const actor = actorOf(ctx);
    if (!mayDownloadJobZip(actor)) {
      throw forbidden(`User ${actor.username} may not download the inputs of a calculation: it needs level 2 (advanced), the user has ${actor.level}`);
    }
    const { job } = await see(ctx);
    sendStream(ctx, await env.bridge.jobZip(await datastoreOf(env.settings.DATA_DIR, job)), 'application/x-zip', `job_${job.id}.zip`);
  });
}
