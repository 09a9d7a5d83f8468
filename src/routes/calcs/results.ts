/**
 * The results of a calculation as the original gives them: one item per output of the engine
 * (copied from the engine's database the first time they are asked for), each downloadable in
 * every type the engine's exporters offer for it, exported on demand by the engine bridge
 * (a zip when the export is several files).
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { datastoreOf } from '../../bridge/datastore.js';
import type { RouteContext } from '../../app-context.js';
import { contentTypeOf, DEFAULT_EXPORT_TYPE, isZipOfSeveral, outtypesOf } from '../../calcs/outputs.js';
import { presentOutput } from '../../calcs/presenters.js';
import type { JobRow } from '../../data/calculations.js';
import { copyEngineOutputs, outputsOf, type OutputRow } from '../../data/outputs.js';
import { forbidden, notFound } from '../../errors.js';
import { actorOf } from '../../middlewares/state.js';
import { loadCalculationFor, loadOutputFor } from '../../policies/load-calculation.js';
import { mayViewOutput } from '../../policies/output.js';
import { sendStream } from '../engine/env.js';
import { absoluteUrl } from './urls.js';

/** Statuses of a job whose engine has written its outputs (a shared job was complete). */
const FINISHED = ['complete', 'shared'];

/** The job's outputs; the engine's are copied first when a finished job has none yet. */
async function outputsOfJob(env: RouteContext, job: JobRow): Promise<OutputRow[]> {
  const rows = await outputsOf(env.models, job.id);
  if (rows.length > 0 || job.engine_calc_id === null || !FINISHED.includes(job.status)) {
    return rows;
  }
  const listed = await env.bridge.listOutputs(job.engine_calc_id);
  await copyEngineOutputs(env.models, job.id, listed.value());
  return outputsOf(env.models, job.id);
}

/** The export type asked for: the last `export_type` (as Django reads it), else the original's default. */
function requestedType(ctx: Context): string {
  const raw = ctx.query.export_type;
  const last = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  return last === undefined || last === '' ? DEFAULT_EXPORT_TYPE : last;
}

/** Registers /v1/calc/:id/results (and /result/list) and /v1/calc/result/:rid. */
export function resultRoutes(router: Router, env: RouteContext): void {
  // /results and the original's later name for it, /result/list (its outputs page uses that)
  for (const p of ['/v1/calc/:id/results', '/v1/calc/:id/result/list']) {
    router.get(p, async function calcResults(ctx) {
      const actor = actorOf(ctx);
      const { job } = await loadCalculationFor(env.models, actor, ctx.params.id, 'see', { aclOn: env.settings.ACL_ON });
      const rows = await outputsOfJob(env, job);
      if (rows.length === 0) {
        throw notFound(`Calculation ${job.id} has no outputs`);
      }
      const base = absoluteUrl(ctx, env.settings, '/v1/calc/result/');
      // as the original: outputs no exporter offers, and hidden ones, are left out
      ctx.body = rows.filter((o) => outtypesOf(o).length > 0 && mayViewOutput(actor, o.ds_key)).map((o) => presentOutput(o, base));
    });
  }

  router.get('/v1/calc/result/:rid', async function calcResult(ctx) {
    const actor = actorOf(ctx);
    const { output, job } = await loadOutputFor(env.models, actor, ctx.params.rid, { aclOn: env.settings.ACL_ON });
    if (!mayViewOutput(actor, output.ds_key)) {
      throw forbidden(`Output ${output.id} (${output.ds_key}) is only for advanced users`);
    }
    const type = requestedType(ctx);
    const types = outtypesOf(output);
    if (!types.includes(type)) {
      throw notFound(`Nothing to export for export_type=${type}, ${output.ds_key}: it exports as ${types.join(', ')}`);
    }
    const file = await env.bridge.exportOutput(await datastoreOf(env.settings.DATA_DIR, job), output.ds_key, type);
    const contentType = contentTypeOf(type, isZipOfSeveral(file.name, output.ds_key, type));
    sendStream(ctx, file, contentType, `output-${output.id}-${file.name}`);
    // as the original sends it: Koa would add `; charset=utf-8` to text/plain, which a .npz is not
    ctx.set('Content-Type', contentType);
  });
}
