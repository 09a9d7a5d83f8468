/**
 * POST /v1/calc/run (upload and queue a calculation) and POST /v1/calc/validate_zip.
 * Uploads are received in DATA_DIR/uploads/<random>/, which is removed unless it became the
 * calculation's folder, so a refused upload leaves nothing behind.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { CalcEnv } from '../../calcs/access.js';
import { checkParent, createCalc, prepareInputs } from '../../calcs/new-calc.js';
import { uploadsDir } from '../../calcs/paths.js';
import { receiveUpload } from '../../calcs/upload.js';
import { HttpError } from '../../errors.js';
import { actorOf } from '../../middlewares/state.js';

/** Most files in one upload. */
const MAX_FILES = 1000;

/** A fresh staging folder for one upload. */
async function stagingFolder(env: CalcEnv): Promise<string> {
  const root = uploadsDir(env.settings.DATA_DIR);
  await mkdir(root, { recursive: true });
  return mkdtemp(path.join(root, 'upload-'));
}

/** Receives the request's files into `staging`. */
function receive(ctx: Context, env: CalcEnv, staging: string) {
  return receiveUpload(ctx.req, staging, ['archive'], { maxBytes: env.settings.MAX_UPLOAD_SIZE, maxFiles: MAX_FILES });
}

/** Registers run and validate_zip. */
export function runRoutes(router: Router, env: CalcEnv): void {
  router.post('/v1/calc/run', async function calcRun(ctx) {
    const actor = actorOf(ctx);
    const staging = await stagingFolder(env);
    try {
      const received = await receive(ctx, env, staging);
      const parent = await checkParent(env, actor, received.fields.hazard_job_id);
      const inputs = await prepareInputs(received, staging, env.settings.MAX_EXTRACTED_SIZE);
      const id = await createCalc(env, actor, staging, inputs, parent);
      env.listCache.bump();
      env.notify('runner', 'created', { id });
      ctx.body = { status: 'created', job_id: id };
    } catch (err) {
      // the original's shape for a refused run: {traceback: [...], job_id}; a 4xx, never a 500
      if (err instanceof HttpError && err.status < 500) {
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
