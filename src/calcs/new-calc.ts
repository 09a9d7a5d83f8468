/**
 * From a received upload to a `created` job: unpack (a .zip) or place (plain files) the inputs
 * in the staging folder, choose and read the job.ini, then insert the job and move the staging
 * folder to DATA_DIR/calc_<id>. Every check happens before the insert, so a refused upload
 * leaves no row; the caller removes the staging folder whatever happens.
 */
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Actor } from '../auth/actor.js';
import { deleteJobRow, findJob, insertJob, setCalcDir, type JobRow } from '../data/calculations.js';
import { recordInputBytes } from '../data/quota.js';
import { badRequest, HttpError, notFound } from '../errors.js';
import { loadCalculationFor } from '../policies/load-calculation.js';
import type { RouteContext } from '../app-context.js';
import { listIniFiles, pickJobIni, readJobIni, type JobIni } from './job-ini.js';
import { calcDir, inputDir } from './paths.js';
import { extractZip, UploadRefused } from './unpack-upload.js';
import type { Received, ReceivedFile } from './upload.js';

/** The original's message when an upload has no .ini file. */
export const NO_INI = 'There are no .ini files in the archive';

/** Most entries a zip may have. */
export const MAX_ZIP_ENTRIES = 10_000;

/** The inputs, ready to run. */
export interface PreparedInputs {
  /** The chosen .ini, relative to the input folder. */
  iniRel: string;
  ini: JobIni;
}

/** Whether an uploaded file is a zip archive (by name, or by its first bytes). */
async function isZip(file: ReceivedFile): Promise<boolean> {
  if (/\.zip$/i.test(file.name)) {
    return true;
  }
  const handle = await open(file.path, 'r');
  try {
    const head = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    return head.equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  } finally {
    await handle.close();
  }
}

/**
 * Puts the uploaded `archive` files into `staging/input/`: one zip is unpacked safely, plain
 * files are kept under their names. Then picks the .ini (`job_ini` if given) and reads it.
 */
export async function prepareInputs(received: Received, staging: string, maxExtracted: number): Promise<PreparedInputs> {
  const archives = received.files.filter((f) => f.field === 'archive');
  if (archives.length === 0) {
    throw badRequest('Missing archive file');
  }
  const input = inputDir(staging);
  if (archives.length === 1 && (await isZip(archives[0]))) {
    try {
      await extractZip(archives[0].path, input, { maxEntries: MAX_ZIP_ENTRIES, maxTotalBytes: maxExtracted, maxEntryBytes: maxExtracted });
    } catch (err) {
      if (err instanceof UploadRefused) {
        throw badRequest(err.message);
      }
      throw err;
    }
  } else {
    await rm(input, { recursive: true, force: true });
    await mkdir(input, { recursive: true });
    for (const f of archives) {
      await rename(f.path, path.join(input, f.name));
    }
  }
  await rm(path.join(staging, 'received'), { recursive: true, force: true });
  const inis = await listIniFiles(input);
  if (inis.length === 0) {
    throw badRequest(NO_INI);
  }
  const requested = received.fields.job_ini;
  const continuing = (received.fields.hazard_job_id ?? '').trim() !== '';
  const iniRel = pickJobIni(inis, requested, { continuing });
  if (iniRel === null) {
    throw badRequest(`The job_ini ${JSON.stringify(requested)} is not among the uploaded .ini files (${inis.join(', ')})`);
  }
  let ini: JobIni;
  try {
    ini = await readJobIni(path.join(input, iniRel));
  } catch (err) {
    throw badRequest(`Cannot read ${iniRel}: ${(err as Error).message}`);
  }
  if (ini.calculation_mode === '') {
    throw badRequest(`${iniRel} does not set calculation_mode`);
  }
  return { iniRel, ini };
}

/** Checks `hazard_job_id`: a complete calculation the caller may see; null when not given. */
export async function checkParent(env: RouteContext, actor: Actor, raw: string | undefined): Promise<JobRow | null> {
  if (raw === undefined || raw.trim() === '') {
    return null;
  }
  if (!/^\d{1,15}$/.test(raw.trim())) {
    throw badRequest(`Invalid hazard_job_id ${JSON.stringify(raw)}: not a calculation id`);
  }
  const { job: parent } = await loadCalculationFor(env.models, actor, raw.trim().replace(/^0+(?=\d)/, ''), 'continue', {
    aclOn: env.settings.ACL_ON, unknown: (id) => `Unknown hazard_job_id ${id}`,
  });
  if (parent.status !== 'complete' && parent.status !== 'shared') {
    throw badRequest(`The hazard calculation ${parent.id} is ${parent.status}; only a complete calculation can be used as hazard_job_id`);
  }
  return parent;
}

/**
 * Inserts the job (only if the parent is still there: one statement) and moves the staging
 * folder into place, records the inputs' size; the job as made. The runner takes a job only once
 * ds_calc_dir is set, i.e. after the move.
 */
export async function createCalc(env: RouteContext, actor: Actor, staging: string, inputs: PreparedInputs, parent: JobRow | null, bytes: number): Promise<JobRow> {
  const parentId = parent?.id ?? null;
  const id = await insertJob(env.models, {
    description: inputs.ini.description, userName: actor.username, calculationMode: inputs.ini.calculation_mode,
    jobIni: inputs.iniRel, parentId,
  });
  if (id === null) {
    throw notFound(`Unknown hazard_job_id ${parentId}`);
  }
  const folder = calcDir(env.settings.DATA_DIR, id);
  try {
    // a folder left by a database that was thrown away cannot belong to this new job
    await rm(folder, { recursive: true, force: true });
    await rename(staging, folder);
  } catch (err) {
    await deleteJobRow(env.models, id);
    await rm(folder, { recursive: true, force: true });
    throw new HttpError(500, `Cannot create the calculation folder: ${(err as Error).message}`);
  }
  await recordInputBytes(env.models, id, bytes);
  // read before the folder is recorded, the moment a runner (of any host) may take it: the job as made
  const job = await findJob(env.models, id);
  await setCalcDir(env.models, id, folder);
  if (job === null) {
    throw new Error(`calculation ${id} vanished right after it was made`);
  }
  return job;
}
