import sqlite3 from 'sqlite3';
const db = new sqlite3.Database(process.argv[2]);
const all = (sql, p=[]) => new Promise((res, rej) => db.all(sql, p, (e, r) => e ? rej(e) : res(r)));
const cols = 'id, user_name, calculation_mode, status, is_running, description, pid, hazard_calculation_id, size_mb, start_time';
for (const q of [`SELECT id FROM job ORDER BY id DESC LIMIT 100`, `SELECT ${cols} FROM job ORDER BY id DESC LIMIT 100`, `SELECT * FROM job ORDER BY id DESC LIMIT 100`, `SELECT 1`]) {
  await all(q);
  const t = process.hrtime.bigint(); const N = 200;
  for (let i = 0; i < N; i++) await all(q);
  console.log((Number(process.hrtime.bigint() - t) / 1e6 / N).toFixed(3), 'ms', q.slice(0, 60));
}
