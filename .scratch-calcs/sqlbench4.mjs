import sqlite3 from 'sqlite3';
import { listQueries, parseListParams } from '/work/main/dist/src/calcs/list-query.js';
const db = new sqlite3.Database(process.argv[2]);
const all = (sql, p=[]) => new Promise((res, rej) => db.all(sql, p, (e, r) => e ? rej(e) : res(r)));
console.log(await all(`SELECT strftime('%Y-%m-%d, %H:%M:%S UTC', '2025-01-31 14:05:09.123 +00:00') a, strftime('%Y-%m-%d, %H:%M:%S UTC', '2025-01-31 14:05:09.123 +02:00') b`));
const owners = ['user00','user01','user02','user03'];
const { page, count } = listQueries(owners, parseListParams({ limit: '100' }));
const json = `SELECT json_group_array(json_object('id', id, 'owner', user_name, 'calculation_mode', calculation_mode, 'status', status,
  'is_running', json(CASE WHEN is_running THEN 'true' ELSE 'false' END), 'description', description, 'url', ? || id, 'parent_id', hazard_calculation_id,
  'abortable', json('false'), 'size_mb', size_mb, 'start_time', strftime('%Y-%m-%d, %H:%M:%S UTC', start_time))) AS items FROM (${page.sql})`;
const both = `SELECT (${json.replace('SELECT ', 'SELECT ')}) AS items, (${count.sql}) AS total`;
for (const [name, q, p] of [['rows', page.sql, page.replacements], ['json', json, ['http://x/v1/calc/', ...page.replacements]], ['both', both, ['http://x/v1/calc/', ...page.replacements, ...count.replacements]]]) {
  await all(q, p);
  const t = process.hrtime.bigint(); const N = 1000;
  for (let i = 0; i < N; i++) await all(q, p);
  console.log(name, (Number(process.hrtime.bigint() - t) / 1e6 / N).toFixed(3), 'ms');
}
const r = await all(both, ['http://x/v1/calc/', ...page.replacements, ...count.replacements]);
console.log(r[0].total, JSON.parse(r[0].items)[0]);
