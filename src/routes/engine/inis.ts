/**
 * The original's routes on job.ini files already on the server: POST /v1/calc/run_ini,
 * GET /v1/calc/jobs_from_inis, POST /v1/calc/validate_ini. Off by default: only files inside the
 * folders of RUN_INI_FOLDERS (server-files.ts). run_ini copies the job's inputs, the files the
 * engine collects for it (as `oq zip` does), into a new calculation folder, so the run is an
 * upload like any other (quota, runner, job_zip) and nothing outside the data folder is written.
 */
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { RouteContext } from '../../app-context.js';
import type { Actor } from '../../auth/actor.js';
import { readJobIni } from '../../calcs/job-ini.js';
import { checkParent, createCalc } from '../../calcs/new-calc.js';
import { inputDir } from '../../calcs/paths.js';
import { checkSpace, checkStaged, stagingFolder } from '../../calcs/upload.js';
import { findJobOfEngineId } from '../../data/calculations.js';
import { usedBytes } from '../../data/quota.js';
import { badRequest, HttpError, notFound } from '../../errors.js';
import { bodyOf, smallBody } from '../../middlewares/body.js';
import { actorOf } from '../../middlewares/state.js';
import { loadCalculationFor } from '../../policies/load-calculation.js';
import { postOnly } from '../calcs/run.js';
import { sendJson } from './env.js';
import { allowedIni, fileInside } from './server-files.js';

/** The folder all `files` are in (the root zipfiles uses for `oq zip`). */
function commonFolder(files: string[]): string {
  let parts = dirname(files[0]).split(sep);
  for (const f of files.slice(1)) {
    const other = dirname(f).split(sep);
    let i = 0;
    while (i < parts.length && i < other.length && parts[i] === other[i]) {
      i += 1;
    }
    parts = parts.slice(0, i);
  }
  return parts.join(sep) || sep;
}

/** Copies the job's input files into `input`, keeping their places under their common folder; the job.ini's path there. */
async function copyInputs(folders: string[], files: string[], input: string): Promise<string> {
  const root = commonFolder(files);
  for (const file of files) {
    // the engine read the job.ini's names: each must be inside the allowed folders too
    const real = await fileInside(file, folders);
    if (real === null) {
      throw badRequest(`The job.ini names an input that is not a file in the folders this server allows (RUN_INI_FOLDERS): ${relative(dirname(files[0]), file)}`);
    }
    const target = join(input, relative(root, file));
    await mkdir(dirname(target), { recursive: true });
    await copyFile(real, target);
  }
  return relative(root, files[0]);
}

/** A form field as one string (the last, as Django reads it), or undefined. */
function field(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  const last = Array.isArray(v) ? v[v.length - 1] : v;
  return typeof last === 'string' ? last : undefined;
}

/** run_ini's work: the calculation made from the job.ini at `ini` (a real, allowed path). */
async function createFromIni(env: RouteContext, actor: Actor, ini: string, hazardJobId: string | undefined): Promise<number> {
  const parent = await checkParent(env, actor, hazardJobId);
  const space = await checkSpace(env.settings, () => usedBytes(env.models, actor.username));
  const staging = await stagingFolder(env.settings.DATA_DIR);
  try {
    const files = (await env.bridge.jobInputs(ini)).value();
    const iniRel = await copyInputs(env.settings.RUN_INI_FOLDERS, files, inputDir(staging));
    const bytes = await checkStaged(env.settings, space, staging);
    const parsed = await readJobIni(join(inputDir(staging), iniRel));
    if (parsed.calculation_mode === '') {
      throw badRequest(`${iniRel} does not set calculation_mode`);
    }
    return (await createCalc(env, actor, staging, { iniRel, ini: parsed }, parent, bytes)).id;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Our job id for an id of the engine's (0: none, or one the caller may not see). */
async function visibleJobId(env: RouteContext, actor: Actor, engineId: number): Promise<number> {
  const job = engineId === 0 ? null : await findJobOfEngineId(env.models, engineId);
  if (job === null) {
    return 0;
  }
  try {
    await loadCalculationFor(env.models, actor, String(job.id), 'see', { aclOn: env.settings.ACL_ON });
    return job.id;
  } catch (err) {
    if (err instanceof HttpError) {
      return 0;
    }
    throw err;
  }
}

/** The `ini` parameters of the query string. */
function iniParams(ctx: Context): string[] {
  const raw = ctx.query.ini;
  return raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
}

/** Registers run_ini and validate_ini (not in READ_ONLY mode: 404, as the original has neither) and jobs_from_inis. */
export function iniRoutes(router: Router, env: RouteContext): void {
  router.get('/v1/calc/jobs_from_inis', async function jobsFromInis(ctx) {
    const actor = actorOf(ctx);
    const params = iniParams(ctx);
    // the original's shape for a refusal too: {success: [], error}, with the reason instead of a traceback
    const refuse = (status: number, error: string) => new HttpError(status, error, { success: [], error });
    let inis: string[];
    try {
      inis = await Promise.all(params.map((p) => allowedIni(env.settings, p, 'ini')));
    } catch (err) {
      throw err instanceof HttpError ? refuse(err.status, err.message) : err;
    }
    const found = inis.length === 0 ? { success: [], error: '' } : (await env.bridge.jobsFromInis(inis)).value();
    if (found.error) {
      // the engine's traceback ends with its message: that line is enough
      throw refuse(400, found.error.trim().split('\n').pop() as string);
    }
    const ids: number[] = [];
    for (const engineId of found.success) {
      ids.push(await visibleJobId(env, actor, engineId));
    }
    ctx.body = { success: ids, error: '' };
  });

  if (env.settings.APPLICATION_MODE === 'READ_ONLY') {
    for (const p of ['/v1/calc/run_ini', '/v1/calc/validate_ini']) {
      router.post(p, async function readOnly() {
        throw notFound();
      });
    }
    return;
  }

  // before /v1/calc/:id of the calculation routes, which would take the word for an id: 405, as the original
  router.get(['/v1/calc/run_ini', '/v1/calc/validate_ini'], postOnly);

  router.post('/v1/calc/run_ini', smallBody(), async function calcRunIni(ctx) {
    const actor = actorOf(ctx);
    const body = bodyOf(ctx);
    try {
      const ini = await allowedIni(env.settings, field(body, 'job_ini'));
      const id = await createFromIni(env, actor, ini, field(body, 'hazard_job_id'));
      env.notify('runner', 'created', { id });
      ctx.body = { status: 'created', job_id: id };
    } catch (err) {
      // as /v1/calc/run: the original's {traceback, job_id} with the reason, a 4xx (507: disk full) instead of its 500
      if (err instanceof HttpError && (err.status < 500 || err.status === 507)) {
        throw new HttpError(err.status, err.message, { traceback: err.message.split('\n'), job_id: null });
      }
      throw err;
    }
  });

  router.post('/v1/calc/validate_ini', smallBody(), async function calcValidateIni(ctx) {
    actorOf(ctx);
    const ini = await allowedIni(env.settings, field(bodyOf(ctx), 'job_ini'));
    sendJson(ctx, await env.bridge.validateJob(ini));
  });
}
