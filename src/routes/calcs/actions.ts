/**
 * POST /v1/calc/:id/abort, /remove, /share, /unshare, with the original's messages. State
 * changes are conditional UPDATEs (src/data/calculations.ts), so a concurrent change never
 * gets overwritten.
 */
import { rm } from 'node:fs/promises';
import type Router from '@koa/router';
import type { RouteContext } from '../../app-context.js';
import { calcDir } from '../../calcs/paths.js';
import { changeStatus, dependentsOf, findJob, markDeleted, requestAbort, undoDeleted } from '../../data/calculations.js';
import { isRunningStatus, type JobStatus } from '../../db/models/calcs.js';
import { conflict, HttpError, notFound } from '../../errors.js';
import { actorOf } from '../../middlewares/state.js';
import { loadCalculationFor } from '../../policies/load-calculation.js';

/** Registers abort and remove (not in READ_ONLY mode). */
export function abortRemoveRoutes(router: Router, env: RouteContext): void {
  const aclOn = env.settings.ACL_ON;

  router.post('/v1/calc/:id/abort', async function calcAbort(ctx) {
    const { job } = await loadCalculationFor(env.models, actorOf(ctx), ctx.params.id, 'abort', { aclOn });
    if (!(await requestAbort(env.models, job.id))) {
      throw conflict(`Job ${job.id} is not running`);
    }
    env.notify('runner', 'abort', { id: job.id });
    ctx.body = { success: `Killing job ${job.id}` };
  });

  router.post('/v1/calc/:id/remove', async function calcRemove(ctx) {
    const { job } = await loadCalculationFor(env.models, actorOf(ctx), ctx.params.id, 'remove', { aclOn });
    if (!(await markDeleted(env.models, job.id))) {
      await refuseRemoval(env, job.id);
    }
    // all or nothing, as the user sees it: a folder that cannot be removed puts the job back,
    // so that a retry (once the folder can be written) finishes the removal
    try {
      await rm(calcDir(env.settings.DATA_DIR, job.id), { recursive: true, force: true });
    } catch (err) {
      await undoDeleted(env.models, job.id, job.status);
      // a 500 (the server's folder is broken, not the request); the log says what failed
      throw new Error(`cannot remove the folder of calculation ${job.id}, so it was kept: ${(err as Error).message}`, { cause: err });
    }
    ctx.body = { success: String(job.id) };
  });
}

/** Explains why the conditional removal did not happen. */
async function refuseRemoval(env: RouteContext, id: number): Promise<never> {
  const job = await findJob(env.models, id);
  if (job === null || job.status === 'deleted') {
    throw notFound(`Unknown job ${id}`);
  }
  if (isRunningStatus(job.status)) {
    throw conflict(`Cannot delete calculation ${id}: it is ${job.status}; abort it first`);
  }
  const children = await dependentsOf(env.models, id);
  // not an authorization decision (the policies allowed it): the original answers this state with 403
  throw new HttpError(403, `Cannot delete calculation ${id}: there are calculations dependent from it: [${children.join(', ')}]`);
}

/** Registers share and unshare (complete <-> shared). */
export function shareRoutes(router: Router, env: RouteContext): void {
  for (const share of [true, false]) {
    const [from, to]: [JobStatus, JobStatus] = share ? ['complete', 'shared'] : ['shared', 'complete'];
    const verb = share ? 'share' : 'unshare';
    router.post(`/v1/calc/:id/${verb}`, async function calcShare(ctx) {
      const { job } = await loadCalculationFor(env.models, actorOf(ctx), ctx.params.id, verb, { aclOn: env.settings.ACL_ON });
      const changed = await changeStatus(env.models, job.id, from, to);
      if (!changed) {
        const now = (await findJob(env.models, job.id))?.status ?? 'deleted';
        if (now === 'deleted') {
          throw notFound(`Unknown job ${job.id}`);
        }
        throw conflict(now === to
          ? (share ? `Calculation ${job.id} was already shared` : `Calculation ${job.id} was not shared`)
          : `Can not ${verb} calculation ${job.id} from status "${now}"`);
      }
      ctx.body = { success: `The status of calculation ${job.id} was changed from "${from}" to "${to}"` };
    });
  }
}
