/** The read-only routes of one calculation: info, log, traceback, datastore (results: results.ts). */
import { createReadStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { RouteContext } from '../../app-context.js';
import { findDatastore } from '../../bridge/datastore.js';
import { presentInfo, presentLogLine } from '../../calcs/presenters.js';
import { lastCritical, logSize, logSlice } from '../../data/logs.js';
import { badRequest, forbidden, notFound } from '../../errors.js';
import { actorOf } from '../../middlewares/state.js';
import { loadCalculationFor, mayDownloadDatastore } from '../../policies/index.js';
import { boundedInt, validate } from '../../validation/validate.js';

/** The largest start or stop of a log slice (SQLite's LIMIT and OFFSET stay integers). */
export const MAX_LOG_INDEX = 2 ** 31 - 1;

/** The `start:stop` of a log slice: empty start = 0, empty or 0 stop = to the end; each at most MAX_LOG_INDEX. */
export function parseLogSlice(slice: string): { offset: number; limit: number } {
  const m = /^(\d*):(\d*)$/.exec(slice);
  if (m === null) {
    throw badRequest(`Invalid log slice ${JSON.stringify(slice)}: expected <start>:<stop>, e.g. 0:100 or 100:`);
  }
  const start = m[1] === '' ? 0 : validate(boundedInt(0, MAX_LOG_INDEX), m[1], 'log slice start');
  const stop = m[2] === '' ? 0 : validate(boundedInt(0, MAX_LOG_INDEX), m[2], 'log slice stop');
  if (stop !== 0 && stop < start) {
    throw badRequest(`Invalid log slice ${JSON.stringify(slice)}: stop is before start`);
  }
  return { offset: start, limit: stop === 0 ? -1 : stop - start };
}

/** Content-Disposition as the original writes it (`attachment; filename=NAME`), quoted only when needed. */
function attach(ctx: Context, filename: string): void {
  if (/^[\w.+-]+$/.test(filename)) {
    ctx.set('Content-Disposition', `attachment; filename=${filename}`);
  } else {
    ctx.attachment(filename);
  }
}

/** Streams a file (headers only for HEAD); 404 with `missing` when it is not there or is a link. */
async function sendFile(ctx: Context, file: string, type: string, missing: string): Promise<void> {
  let size: number;
  try {
    // lstat: a link in a calculation folder must not expose a file outside it
    const st = await lstat(file);
    if (!st.isFile()) {
      throw new Error('not a file');
    }
    size = st.size;
  } catch {
    throw notFound(missing);
  }
  ctx.status = 200;
  ctx.type = type;
  ctx.length = size;
  if (ctx.method !== 'HEAD') {
    ctx.body = createReadStream(file);
  }
}

/** Registers the read-only routes of one calculation. */
export function showRoutes(router: Router, env: RouteContext): void {
  const see = (ctx: Context) => loadCalculationFor(env.models, actorOf(ctx), ctx.params.id, 'see', { aclOn: env.settings.ACL_ON });

  router.get('/v1/calc/:id', async function calcInfo(ctx) {
    const { job } = await see(ctx);
    ctx.body = presentInfo(job);
  });

  router.get('/v1/calc/:id/datastore', async function calcDatastore(ctx) {
    const actor = actorOf(ctx);
    if (!mayDownloadDatastore(actor, env.settings.ALLOW_DATASTORE_DOWNLOAD)) {
      // the original's words for this refusal
      throw forbidden(`user_level=${actor.level}, settings.ALLOW_DATASTORE_DOWNLOAD=False`);
    }
    const { job } = await see(ctx);
    // the engine names it after its own calculation id (job.engine_calc_id, migration 0004)
    const file = await findDatastore(env.settings.DATA_DIR, job);
    const missing = `No datastore for calculation ${job.id}`;
    if (file === null) {
      throw notFound(missing);
    }
    attach(ctx, `calc_${job.id}.hdf5`);
    // the original's media type for a datastore (views.calc_datastore)
    await sendFile(ctx, file, 'application/x-hdf', missing);
  });

  router.get('/v1/calc/:id/log/size', async function calcLogSize(ctx) {
    const { job } = await see(ctx);
    ctx.body = await logSize(env.models, job.id);
  });

  router.get('/v1/calc/:id/log/:slice', async function calcLog(ctx) {
    const { offset, limit } = parseLogSlice(ctx.params.slice);
    const { job } = await see(ctx);
    ctx.body = (await logSlice(env.models, job.id, offset, limit)).map(presentLogLine);
  });

  router.get('/v1/calc/:id/traceback', async function calcTraceback(ctx) {
    const { job } = await see(ctx);
    const last = await lastCritical(env.models, job.id);
    ctx.body = last === null ? [] : last.split('\n');
  });
}
