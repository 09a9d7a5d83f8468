import sqlite3 from 'sqlite3';
const [file] = process.argv.slice(2);
const db = new sqlite3.Database(file);
const all = (sql, p=[]) => new Promise((res, rej) => db.all(sql, p, (e, r) => e ? rej(e) : res(r)));
const vis = `status != 'deleted' AND (user_name = 'user00' OR status = 'shared' OR user_name IN (SELECT u.username FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.group_id IN (1)))`;
const qs = {
  page: `SELECT id, user_name, calculation_mode, status, is_running, description, pid, hazard_calculation_id, size_mb, start_time FROM job WHERE ${vis} ORDER BY id DESC LIMIT 100 OFFSET 0`,
  count: `SELECT COUNT(*) n FROM job WHERE ${vis}`,
  countAll: `SELECT COUNT(*) n FROM job WHERE status != 'deleted'`,
};
for (const [k, q] of Object.entries(qs)) {
  console.log(k, (await all('EXPLAIN QUERY PLAN ' + q)).map(r => r.detail).join(' | '));
  const t = process.hrtime.bigint(); const N = 50;
  for (let i = 0; i < N; i++) await all(q);
  console.log(k, (Number(process.hrtime.bigint() - t) / 1e6 / N).toFixed(3), 'ms');
}
