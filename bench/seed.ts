/**
 * The data both sides of the comparison with the Django peer are given: users alice and bob in
 * group `team`, carol in none (passwords `pw-<name>`), and N jobs owned in turn by alice, bob
 * and carol (as ../shared/peers/django-webui/seed.py makes them). alice's list: the newest 100
 * of the jobs of alice and bob.
 *
 * The database is created by `oq-webui migrate` (the real command) and filled through the
 * SQLite driver, so this file depends on no model code.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { hashPassword } from '../src/auth/passwords.js';
import { BIN } from '../test/helpers/server.js';

/** The three users of the comparison, in the order jobs are dealt to them. */
export const SEED_USERS = ['alice', 'bob', 'carol'] as const;
/** The user who asks for the list (a member of `team` with bob). */
export const LIST_USER = 'alice';
/** The password of a seeded user. */
export const seedPassword = (name: string): string => `pw-${name}`;

interface Db {
  exec(sql: string, cb: (err: Error | null) => void): void;
  run(sql: string, params: unknown[], cb: (err: Error | null) => void): void;
  close(cb: (err: Error | null) => void): void;
}
type DbCtor = new (file: string, cb: (err: Error | null) => void) => Db;

/** Creates DATA_DIR `dataDir` with a migrated webui.sqlite3 holding the users, the group and `jobs` jobs. */
export async function seedWebui(dataDir: string, jobs: number): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'webui.sqlite3');
  execFileSync(process.execPath, [BIN, 'migrate', '--database', `sqlite:${file}`, '--data-dir', dataDir], { stdio: 'ignore' });
  const sqlite3 = createRequire(import.meta.url)('sqlite3') as { Database: DbCtor };
  const db = await new Promise<Db>((resolve, reject) => {
    const d = new sqlite3.Database(file, (err) => (err ? reject(err) : resolve(d)));
  });
  const run = (sql: string, params: unknown[] = []): Promise<void> =>
    new Promise((resolve, reject) => db.run(sql, params, (err) => (err ? reject(err) : resolve())));
  const now = new Date().toISOString().replace('T', ' ').replace('Z', ' +00:00');
  await run('BEGIN');
  await run("INSERT INTO groups (id, name) VALUES (1, 'team')");
  for (const [i, name] of SEED_USERS.entries()) {
    // few iterations: the first login upgrades the hash to full strength, as for any user
    const hash = await hashPassword(seedPassword(name), 1000);
    await run('INSERT INTO users (id, username, email, password, is_active, is_staff, is_superuser, source, date_joined) VALUES (?, ?, \'\', ?, 1, 0, 0, \'local\', ?)',
      [i + 1, name, hash, now]);
    if (name !== 'carol') {
      await run('INSERT INTO memberships (user_id, group_id) VALUES (?, 1)', [i + 1]);
    }
  }
  for (let start = 0; start < jobs; start += 500) {
    const values: string[] = [];
    const params: unknown[] = [];
    for (let i = start; i < Math.min(jobs, start + 500); i += 1) {
      values.push("(?, ?, 'classical', 'complete', 0, ?, 1, 'job.ini', 0, 0)");
      params.push(`calc ${i}`, SEED_USERS[i % 3], now);
    }
    await run(`INSERT INTO job (description, user_name, calculation_mode, status, is_running, start_time, relevant, job_ini, abort_requested, size_mb) VALUES ${values.join(',')}`, params);
  }
  await run('COMMIT');
  await run('ANALYZE');
  await new Promise<void>((resolve, reject) => db.close((err) => (err ? reject(err) : resolve())));
}
