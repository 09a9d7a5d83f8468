import sqlite3 from 'sqlite3';
import { listQueries, parseListParams } from '/work/main/dist/src/calcs/list-query.js';
const db = new sqlite3.Database(process.argv[2]);
const all = (sql, p=[]) => new Promise((res, rej) => db.all(sql, p, (e, r) => e ? rej(e) : res(r)));
const owners = ['user00','user01','user02','user03'];
const { page, count } = listQueries(owners, parseListParams({ limit: '100' }));
const json = `SELECT json_group_array(json_object('id', id, 'owner', user_name, 'calculation_mode', calculation_mode, 'status', status,
  'is_running', json(CASE WHEN is_running THEN 'true' ELSE 'false' END), 'description', description, 'url', ? || id, 'parent_id', hazard_calculation_id,
  'abortable', json('false'), 'size_mb', size_mb, 'start_time', strftime('%Y-%m-%d, %H:%M:%S UTC', start_time))) AS items FROM (${page.sql})`;
const cases = [['select 1', 'SELECT 1', []], ['rows', page.sql, page.replacements], ['json', json, ['http://x/v1/calc/', ...page.replacements]], ['count', count.sql, count.replacements],
 ['rows+stringify', page.sql, page.replacements, true]];
for (const [name, q, p, str] of cases) {
  await all(q, p);
  const c0 = process.cpuUsage(); const N = 1000;
  for (let i = 0; i < N; i++) { const r = await all(q, p); if (str) JSON.stringify(r); }
  const c = process.cpuUsage(c0);
  console.log(name.padEnd(16), ((c.user + c.system) / N / 1000).toFixed(3), 'ms cpu');
}
