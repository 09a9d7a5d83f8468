/**
 * Ids (issue 17 item 5): URLs carry oq-webui's job id; the engine's datastore of that job is
 * `calc_<engine id>.hdf5` in the job's folder (the runner records the engine's id, migration
 * 0004). A continuation's parent is found by the engine itself, through its own database, which
 * the bridge shares with the runner (src/bridge/python.ts). The one place that finds a datastore:
 * the datastore download and the engine routes alike.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { calcDir } from '../calcs/paths.js';
import type { JobRow } from '../data/calculations.js';
import { notFound } from '../errors.js';

/** A regular file (a link in a calculation folder must not lead outside it), with its mtime. */
async function regularFile(file: string): Promise<number | null> {
  const st = await lstat(file).catch(() => null);
  return st?.isFile() ? st.mtimeMs : null;
}

/**
 * The datastore the engine left in `job`'s folder: calc_<engine id>.hdf5 (a job that ran before
 * the engine's id was recorded: calc_<job id>.hdf5, else the newest .hdf5), or null.
 */
export async function findDatastore(dataDir: string, job: Pick<JobRow, 'id' | 'engine_calc_id'>): Promise<string | null> {
  const folder = calcDir(dataDir, job.id);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return null;
  }
  const named = `calc_${job.engine_calc_id ?? job.id}.hdf5`;
  if (names.includes(named)) {
    return (await regularFile(join(folder, named))) === null ? null : join(folder, named);
  }
  let best: { file: string; mtime: number } | null = null;
  for (const name of names.filter((n) => n.endsWith('.hdf5'))) {
    const mtime = await regularFile(join(folder, name));
    if (mtime !== null && (best === null || mtime > best.mtime)) {
      best = { file: join(folder, name), mtime };
    }
  }
  return best?.file ?? null;
}

/** The datastore of `job`; 404 when the engine never made one (not started, failed early). */
export async function datastoreOf(dataDir: string, job: Pick<JobRow, 'id' | 'engine_calc_id'>): Promise<string> {
  const file = await findDatastore(dataDir, job);
  if (file === null) {
    throw notFound(`No datastore for calculation ${job.id}`);
  }
  return file;
}
