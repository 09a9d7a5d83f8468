/** The data of the calculation-list benchmark: users in groups, and many jobs spread over them. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { hashPassword } from '../src/auth/passwords.js';
import { openAndMigrate } from '../src/models/database.js';

/** Users, in groups of GROUP_SIZE; BENCH_USER is the group member who asks for the list. */
export const USERS = 20;
export const GROUP_SIZE = 4;
export const BENCH_USER = 'user00';
export const PASSWORD = 'correct-Horse-battery-9';

/** Fills a fresh database: USERS users in groups of GROUP_SIZE, `jobs` jobs spread over them. */
export async function fillCalcDatabase(dataDir: string, jobs: number): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  const db = await openAndMigrate(`sqlite:${join(dataDir, 'webui.sqlite3')}`);
  const { User, Group, Membership } = db.models;
  const hash = await hashPassword(PASSWORD, 1000);
  for (let g = 0; g < USERS / GROUP_SIZE; g += 1) {
    await Group.create({ name: `group${g}` });
  }
  for (let u = 0; u < USERS; u += 1) {
    const user = await User.create({ username: `user${String(u).padStart(2, '0')}`, password: hash, dateJoined: new Date() });
    await Membership.create({ userId: user.id, groupId: Math.floor(u / GROUP_SIZE) + 1 });
  }
  const modes = ['classical', 'event_based', 'scenario', 'event_based_risk', 'disaggregation'];
  const t0 = Date.now() - jobs * 60_000;
  const q = db.sequelize;
  await q.query('BEGIN');
  for (let start = 0; start < jobs; start += 500) {
    const values: string[] = [];
    for (let i = start; i < Math.min(jobs, start + 500); i += 1) {
      const r = i % 100;
      const status = r < 2 ? 'deleted' : r < 3 ? 'shared' : r < 10 ? 'failed' : 'complete';
      const when = new Date(t0 + i * 60_000).toISOString().replace('T', ' ').replace('Z', ' +00:00');
      values.push(`(${q.escape(`calculation ${i}`)}, 'user${String(i % USERS).padStart(2, '0')}', '${modes[i % modes.length]}', '${status}', 0, '${when}', '${when}', 1, 'job.ini', 0, ${(i % 1000) / 10})`);
    }
    await q.query(`INSERT INTO job (description, user_name, calculation_mode, status, is_running, start_time, stop_time, relevant, job_ini, abort_requested, size_mb) VALUES ${values.join(',')}`);
  }
  await q.query('COMMIT');
  await q.query('ANALYZE');
  await q.close();
}

