/**
 * POST /v1/calc/:id/abort, /remove, /share, /unshare, with the original's messages. State
 * changes are conditional UPDATEs, so a concurrent change never gets overwritten.
 */
import { rm } from 'node:fs/promises';
import type Router from '@koa/router';
import { Op, QueryTypes } from 'sequelize';
import { factsOf, loadJob, type CalcEnv } from '../../calcs/access.js';
import { calcDir } from '../../calcs/paths.js';
import { conflict, forbidden } from '../../errors.js';
import { actorOf } from '../../middlewares/state.js';
import { RUNNING_STATUSES, isRunningStatus, type JobStatus } from '../../models/calcs.js';
import { mayAbortCalculation, mayRemoveCalculation, mayShareCalculation } from '../../policies/calculation.js';

/** Registers abort and remove (not in READ_ONLY mode). */
export function abortRemoveRoutes(router: Router, env: CalcEnv): void {
  router.post('/v1/calc/:id/abort', async function calcAbort(ctx) {
    const actor = actorOf(ctx);
    const job = await loadJob(env, ctx.params.id);
    if (!mayAbortCalculation(actor, await factsOf(env, actor, job))) {
      throw forbidden(`User ${actor.username} has no permission to abort job ${job.id}`);
    }
    const [n] = await env.models.Job.update(
      { abort_requested: true },
      { where: { id: job.id, status: { [Op.in]: [...RUNNING_STATUSES] } } },
    );
    if (n === 0) {
      throw conflict(`Job ${job.id} is not running`);
    }
    env.notify('runner', 'abort', { id: job.id });
    ctx.body = { success: `Killing job ${job.id}` };
  });

  router.post('/v1/calc/:id/remove', async function calcRemove(ctx) {
    const actor = actorOf(ctx);
    const job = await loadJob(env, ctx.params.id);
    if (!mayRemoveCalculation(actor, await factsOf(env, actor, job))) {
      throw forbidden(`Cannot delete calculation ${job.id}: it belongs to ${job.user_name} and you are ${actor.username}`);
    }
    // one statement: never while running, never while a live calculation depends on it
    const [, meta] = await env.sequelize.query(
      `UPDATE job SET status = 'deleted', is_running = 0
       WHERE id = ? AND status NOT IN ('submitted', 'executing', 'deleted')
       AND NOT EXISTS (SELECT 1 FROM job AS child WHERE child.hazard_calculation_id = ? AND child.status != 'deleted')`,
      { replacements: [job.id, job.id], type: QueryTypes.UPDATE },
    );
    if (Number(meta) !== 1) {
      await refuseRemoval(env, job.id);
    }
    env.listCache.bump();
    await rm(calcDir(env.settings.DATA_DIR, job.id), { recursive: true, force: true });
    ctx.body = { success: String(job.id) };
  });
}

/** Explains why the conditional removal did not happen. */
async function refuseRemoval(env: CalcEnv, id: number): Promise<never> {
  const job = await loadJob(env, String(id));
  if (isRunningStatus(job.status)) {
    throw conflict(`Cannot delete calculation ${id}: it is ${job.status}; abort it first`);
  }
  const children = await env.models.Job.findAll({
    where: { hazard_calculation_id: id, status: { [Op.ne]: 'deleted' } }, attributes: ['id'], order: [['id', 'ASC']],
  });
  throw forbidden(`Cannot delete calculation ${id}: there are calculations dependent from it: [${children.map((c) => c.id).join(', ')}]`);
}

/** Registers share and unshare (complete <-> shared). */
export function shareRoutes(router: Router, env: CalcEnv): void {
  for (const share of [true, false]) {
    const [from, to]: [JobStatus, JobStatus] = share ? ['complete', 'shared'] : ['shared', 'complete'];
    const verb = share ? 'share' : 'unshare';
    router.post(`/v1/calc/:id/${verb}`, async function calcShare(ctx) {
      const actor = actorOf(ctx);
      const job = await loadJob(env, ctx.params.id);
      if (!mayShareCalculation(actor, await factsOf(env, actor, job))) {
        throw forbidden(`User ${actor.username} has no permission to ${verb} job ${job.id}`);
      }
      const [n] = await env.models.Job.update({ status: to }, { where: { id: job.id, status: from } });
      env.listCache.bump();
      if (n === 0) {
        const now = (await loadJob(env, String(job.id))).status;
        throw conflict(now === to
          ? (share ? `Calculation ${job.id} was already shared` : `Calculation ${job.id} was not shared`)
          : `Can not ${verb} calculation ${job.id} from status "${now}"`);
      }
      ctx.body = { success: `The status of calculation ${job.id} was changed from "${from}" to "${to}"` };
    });
  }
}
