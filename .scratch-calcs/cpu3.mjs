import sqlite3 from 'sqlite3';
import { listQueries, parseListParams } from '/work/main/dist/src/calcs/list-query.js';
const db = new sqlite3.Database(process.argv[2]);
const all = (sql, p=[]) => new Promise((res, rej) => db.all(sql, p, (e, r) => e ? rej(e) : res(r)));
const owners = ['user00','user01','user02','user03'];
const { page } = listQueries(owners, parseListParams({ limit: '100' }));
const inner = page.sql.slice(page.sql.indexOf('(') + 1, page.sql.lastIndexOf(') ORDER BY'));
const cols = 'id, user_name, calculation_mode, status, is_running, description, pid, hazard_calculation_id, size_mb, start_time';
const alt = `SELECT ${cols.split(', ').map(c => 'job.' + c).join(', ')} FROM (SELECT DISTINCT id FROM (${inner}) ORDER BY id DESC LIMIT ? OFFSET ?) AS p JOIN job ON job.id = p.id ORDER BY job.id DESC`;
const a = await all(page.sql, page.replacements), b = await all(alt, page.replacements);
console.log(JSON.stringify(a) === JSON.stringify(b), a.length);
console.log((await all('EXPLAIN QUERY PLAN ' + alt, page.replacements)).map(r => r.detail).join(' | ').slice(0, 400));
for (const [name, q] of [['in', page.sql], ['join', alt], ['in ids', page.sql.replace(/^SELECT .*? FROM job WHERE id IN/, 'SELECT id FROM job WHERE id IN')]]) {
  const c0 = process.cpuUsage(); const N = 1000;
  for (let i = 0; i < N; i++) await all(q, page.replacements);
  const c = process.cpuUsage(c0);
  console.log(name.padEnd(8), ((c.user + c.system) / N / 1000).toFixed(3), 'ms cpu');
}
