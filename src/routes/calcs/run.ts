/**
 * POST /v1/calc/run (upload and queue a calculation) and POST /v1/calc/validate_zip.
 * Uploads are received in DATA_DIR/uploads/<random>/, which is removed unless it became the
 * calculation's folder, so a refused upload leaves nothing behind.
 */
import { rm } from 'node:fs/promises';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { RouteContext } from '../../app-context.js';
import { checkParent, createCalc, prepareInputs } from '../../calcs/new-calc.js';
import { checkSpace, checkStaged, receiveUpload, stagingFolder as uploadFolder, type Space } from '../../calcs/upload.js';
import { presentCreated } from '../../calcs/presenters.js';
import { usedBytes } from '../../data/quota.js';
import { HttpError } from '../../errors.js';
import { actorOf } from '../../middlewares/state.js';

/** Most files in one upload. */
const MAX_FILES = 1000;

/** A fresh staging folder for one upload (named after this worker: src/runner/stale-uploads.ts). */
function stagingFolder(env: RouteContext): Promise<string> {
  return uploadFolder(env.settings.DATA_DIR);
}

/** Receives the request's files into `staging`. */
function receive(ctx: Context, env: RouteContext, staging: string, quota?: Space) {
  return receiveUpload(ctx.req, staging, ['archive'], { maxBytes: env.settings.MAX_UPLOAD_SIZE, maxFiles: MAX_FILES, quota });
}

/** The POST-only paths that `/v1/calc/:id` would otherwise take for an id. */
const POST_ONLY = ['/v1/calc/run', '/v1/calc/validate_zip'];

/** The original's 405 for a GET of a POST-only route (Django's require_http_methods): empty, saying what is allowed. */
export function postOnly(ctx: Context): void {
  ctx.status = 405;
  ctx.set('Allow', 'POST');
  ctx.type = 'text/html';
  ctx.body = '';
}

/** Registers run and validate_zip. */
export function runRoutes(router: Router, env: RouteContext): void {
  router.get(POST_ONLY, postOnly);

  router.post('/v1/calc/run', async function calcRun(ctx) {
    const actor = actorOf(ctx);
    const staging = await stagingFolder(env);
    try {
      // disk space (USER_QUOTA, MIN_FREE_SPACE): before the upload is read, then once unpacked
      const space = await checkSpace(env.settings, () => usedBytes(env.models, actor.username));
      const received = await receive(ctx, env, staging, space);
      const parent = await checkParent(env, actor, received.fields.hazard_job_id);
      const inputs = await prepareInputs(received, staging, env.settings.MAX_EXTRACTED_SIZE);
      const bytes = await checkStaged(env.settings, space, staging);
      const job = await createCalc(env, actor, staging, inputs, parent, bytes);
      env.notify('runner', 'created', { id: job.id });
      ctx.body = presentCreated(job);
    } catch (err) {
      // the original's shape for a refused run: {traceback: [...], job_id}; a 4xx (or a 507: disk full), never a 500
      if (err instanceof HttpError && (err.status < 500 || err.status === 507)) {
        throw new HttpError(err.status, err.message, { traceback: err.message.split('\n'), job_id: null });
      }
      throw err;
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  });

  router.post('/v1/calc/validate_zip', async function calcValidateZip(ctx) {
    actorOf(ctx);
    const staging = await stagingFolder(env);
    try {
      const received = await receive(ctx, env, staging);
      if (!received.files.some((f) => f.field === 'archive')) {
        throw new HttpError(400, 'Missing archive file');
      }
      try {
        await prepareInputs(received, staging, env.settings.MAX_EXTRACTED_SIZE);
        ctx.body = { valid: true, error_msg: null, error_line: null };
      } catch (err) {
        if (err instanceof HttpError && err.status === 400) {
          ctx.body = { valid: false, error_msg: err.message, error_line: null };
          return;
        }
        throw err;
      }
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  });
}
