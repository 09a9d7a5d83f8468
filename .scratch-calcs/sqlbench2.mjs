import sqlite3 from 'sqlite3';
import { listQueries, parseListParams } from '/work/main/dist/src/calcs/list-query.js';
const db = new sqlite3.Database(process.argv[2]);
const all = (sql, p=[]) => new Promise((res, rej) => db.all(sql, p, (e, r) => e ? rej(e) : res(r)));
const owners = ['user00','user01','user02','user03'];
for (const [name, o, q] of [['member', owners, {}], ['superuser', null, {}], ['member mode', owners, {calculation_mode:'scenario'}], ['member start', owners, {start_time:'2020-01-01'}]]) {
  const { page, count } = listQueries(o, parseListParams({ limit: '100', ...q }));
  for (const [k, part] of [['page', page], ['count', count]]) {
    const params = part.replacements.map(v => v instanceof Date ? v.toISOString().replace('T',' ').replace('Z',' +00:00') : v);
    console.log(name, k, (await all('EXPLAIN QUERY PLAN ' + part.sql, params)).map(r => r.detail).join(' | ').slice(0, 300));
    const t = process.hrtime.bigint(); const N = 50;
    for (let i = 0; i < N; i++) await all(part.sql, params);
    console.log(name, k, (Number(process.hrtime.bigint() - t) / 1e6 / N).toFixed(3), 'ms');
  }
}
