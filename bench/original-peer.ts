/**
 * The benchmark's peer: the original WebUI 3.26 (the installed engine's openquake/server) under
 * gunicorn with 2 workers, started by test/helpers/original.ts, given the same data as oq-webui
 * (bench/seed.ts's users and jobs; bench/seed-calc.ts's log and outputs for job 1) written into
 * its engine database.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ENGINE_VENV, originalMissing, startOriginal, type OriginalServer } from '../test/helpers/original.js';
import { CALC_LOG_ROWS, CALC_OUTPUTS } from './seed-calc.js';
import { LIST_USER, SEED_USERS, seedPassword } from './seed.js';

export { originalMissing };

interface Db {
  run(sql: string, params: unknown[], cb: (err: Error | null) => void): void;
  close(cb: (err: Error | null) => void): void;
}
type DbCtor = new (file: string, cb: (err: Error | null) => void) => Db;

/** Writes `jobs` jobs (dealt in turn to alice, bob, carol, as bench/seed.ts) and job 1's log and outputs. */
async function seedEngineDb(file: string, jobs: number): Promise<void> {
  const sqlite3 = createRequire(import.meta.url)('sqlite3') as { Database: DbCtor };
  const db = await new Promise<Db>((resolve, reject) => {
    const d = new sqlite3.Database(file, (err) => (err ? reject(err) : resolve(d)));
  });
  const run = (sql: string, params: unknown[] = []): Promise<void> =>
    new Promise((resolve, reject) => db.run(sql, params, (err) => (err ? reject(err) : resolve())));
  const now = new Date().toISOString().replace('T', ' ').slice(0, 19);
  await run('BEGIN', []);
  for (let start = 0; start < jobs; start += 500) {
    const values: string[] = [];
    const params: unknown[] = [];
    for (let i = start; i < Math.min(jobs, start + 500); i += 1) {
      values.push("(?, ?, 'classical', 'complete', 0, ?, 1, ?, 0)");
      params.push(`calc ${i}`, SEED_USERS[i % 3], now, `/nonexistent/calc_${i + 1}`);
    }
    await run(`INSERT INTO job (description, user_name, calculation_mode, status, is_running, start_time, relevant, ds_calc_dir, pid) VALUES ${values.join(',')}`, params);
  }
  for (let i = 0; i < CALC_LOG_ROWS; i += 1) {
    await run("INSERT INTO log (job_id, timestamp, level, process, message) VALUES (1, ?, 'INFO', 'MainProcess', ?)", [now, `log line ${i}`]);
  }
  for (const o of CALC_OUTPUTS) {
    await run('INSERT INTO output (oq_job_id, display_name, ds_key, size_mb) VALUES (1, ?, ?, ?)', [o.name, o.dsKey, 0.01]);
  }
  await run('COMMIT', []);
  await new Promise<void>((resolve, reject) => db.close((err) => (err ? reject(err) : resolve())));
}

/** A running original with alice's session. */
export interface OriginalPeer {
  server: OriginalServer;
  base: string;
  cookie: string;
  stop(): Promise<void>;
}

/** Starts the original (RESTRICTED, 2 workers) with `jobs` jobs and logs alice in. */
export async function startOriginalPeer(jobs: number): Promise<OriginalPeer> {
  const server = await startOriginal({
    mode: 'RESTRICTED', workers: 2,
    users: SEED_USERS.map((u) => ({ username: u, password: seedPassword(u), groups: u === 'carol' ? [] : ['team'] })),
    // the production line's quiet settings: no per-request console noise
    settings: ['SUPPRESS_PERMISSION_DENIED_WARNINGS = True'],
  });
  try {
    await seedEngineDb(server.dbFile, jobs);
    const res = await server.fetch('/accounts/ajax_login/', { method: 'POST', body: new URLSearchParams({ username: LIST_USER, password: seedPassword(LIST_USER) }) });
    if (res.status !== 200) {
      throw new Error(`cannot log in to the original: ${res.status} ${await res.text()}`);
    }
    const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    return { server, base: server.base, cookie, stop: () => server.stop() };
  } catch (e) {
    await server.stop();
    throw e;
  }
}

/** The installed engine's version, and Django's and gunicorn's. */
export function originalVersion(): string {
  const probe = spawnSync(join(ENGINE_VENV, 'bin', 'python'), ['-c',
    'import openquake.baselib, django, gunicorn; print(openquake.baselib.__version__, "Django", django.__version__, "gunicorn", gunicorn.__version__)'], { encoding: 'utf8' });
  return probe.stdout.trim();
}
