/**
 * Ids (issue 17 item 5): URLs carry oq-webui's job id; the engine's datastore of that job is
 * `calc_<engine id>.hdf5` in the job's folder (the runner records the engine's id, migration
 * 0004). A continuation's parent is found by the engine itself, through its own database, which
 * the bridge shares with the runner (src/bridge/python.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { calcDir } from '../calcs/paths.js';
import type { JobRow } from '../data/calculations.js';
import { notFound } from '../errors.js';

/** The datastore of `job`; 404 when the engine never made one (not started, failed early). */
export function datastoreOf(dataDir: string, job: Pick<JobRow, 'id' | 'engine_calc_id'>): string {
  const file = job.engine_calc_id === null ? null : join(calcDir(dataDir, job.id), `calc_${job.engine_calc_id}.hdf5`);
  if (file === null || !existsSync(file)) {
    throw notFound(`No datastore for calculation ${job.id}`);
  }
  return file;
}
