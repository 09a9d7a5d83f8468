import sqlite3 from 'sqlite3';
import { listQueries, parseListParams } from '/work/main/dist/src/calcs/list-query.js';
const db = new sqlite3.Database(process.argv[2]);
const all = (sql, p=[]) => new Promise((res, rej) => db.all(sql, p, (e, r) => e ? rej(e) : res(r)));
const owners = ['user00','user01','user02','user03'];
const { page } = listQueries(owners, parseListParams({ limit: '100' }));
const idsOnly = page.sql.replace(/^SELECT .*? FROM job WHERE id IN/, 'SELECT id FROM job WHERE id IN');
const inner = page.sql.slice(page.sql.indexOf('(') + 1, page.sql.lastIndexOf(') ORDER BY'));
const cases = [
  ['probe ids only', idsOnly, page.replacements],
  ['probe inner', `SELECT count(*) FROM (${inner})`, page.replacements.slice(0, -2)],
  ['probe single', `SELECT count(*) FROM (SELECT id FROM job WHERE user_name = 'user00' AND status != 'deleted' ORDER BY id DESC LIMIT 100)`, []],
  ['scan 100 cols', `SELECT id, user_name, calculation_mode, status, is_running, description, pid, hazard_calculation_id, size_mb, start_time FROM job ORDER BY id DESC LIMIT 100`, []],
  ['scan 100 count', `SELECT count(*) FROM (SELECT id FROM job ORDER BY id DESC LIMIT 100)`, []],
  ['scan 100 ids', `SELECT id FROM job ORDER BY id DESC LIMIT 100`, []],
];
for (const [name, q, p] of cases) {
  await all(q, p);
  const c0 = process.cpuUsage(); const N = 1000;
  for (let i = 0; i < N; i++) await all(q, p);
  const c = process.cpuUsage(c0);
  console.log(name.padEnd(16), ((c.user + c.system) / N / 1000).toFixed(3), 'ms cpu');
}
