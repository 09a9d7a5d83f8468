/**
 * One finished calculation for the per-calculation routes of the bench (status, results, log
 * slices): job 1 of bench/seed.ts's data gets CALC_LOG_ROWS log lines and the outputs of a
 * classical run. bench/original-peer.ts writes the same rows into the original's engine database.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** Log lines of job 1. */
export const CALC_LOG_ROWS = 1000;
/** Outputs of job 1 (those of the engine's classical QA case 1). */
export const CALC_OUTPUTS = [
  { name: 'Hazard Curves', dsKey: 'hcurves', types: 'csv' },
  { name: 'Realizations', dsKey: 'realizations', types: 'csv' },
];

interface Db {
  run(sql: string, params: unknown[], cb: (err: Error | null) => void): void;
  close(cb: (err: Error | null) => void): void;
}
type DbCtor = new (file: string, cb: (err: Error | null) => void) => Db;

/** Adds job 1's log and outputs to the oq-webui data folder made by seedWebui. */
export async function seedCalc(dataDir: string): Promise<void> {
  const sqlite3 = createRequire(import.meta.url)('sqlite3') as { Database: DbCtor };
  const db = await new Promise<Db>((resolve, reject) => {
    const d = new sqlite3.Database(join(dataDir, 'webui.sqlite3'), (err) => (err ? reject(err) : resolve(d)));
  });
  const run = (sql: string, params: unknown[] = []): Promise<void> =>
    new Promise((resolve, reject) => db.run(sql, params, (err) => (err ? reject(err) : resolve())));
  const now = new Date().toISOString().replace('T', ' ').replace('Z', ' +00:00');
  await run('BEGIN');
  for (let i = 0; i < CALC_LOG_ROWS; i += 1) {
    await run("INSERT INTO log (job_id, timestamp, level, process, message) VALUES (1, ?, 'INFO', 'MainProcess', ?)", [now, `log line ${i}`]);
  }
  for (const o of CALC_OUTPUTS) {
    await run('INSERT INTO output (oq_job_id, display_name, last_update, ds_key, size_mb, export_types) VALUES (1, ?, ?, ?, 0.01, ?)', [o.name, now, o.dsKey, o.types]);
  }
  await run('COMMIT');
  await new Promise<void>((resolve, reject) => db.close((err) => (err ? reject(err) : resolve())));
}
