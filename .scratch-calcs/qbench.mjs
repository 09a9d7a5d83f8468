import { openAndMigrate } from '/work/main/dist/src/models/database.js';
import { tempDir } from '/work/main/dist/test/helpers/server.js';
import { QueryTypes } from 'sequelize';
const dir = tempDir('qb-');
const db = await openAndMigrate(`sqlite:${dir}/db.sqlite3`);
const u = await db.models.User.create({ username: 'x', password: null, dateJoined: new Date() });
async function run(name, fn, conc = 10, ms = 2000) {
  let n = 0; const end = Date.now() + ms;
  await Promise.all(Array.from({ length: conc }, async () => { while (Date.now() < end) { await fn(); n++; } }));
  console.log(name, (n / (ms / 1000)).toFixed(0), '/s');
}
await run('findByPk', () => db.models.User.findByPk(u.id));
await run('raw select', () => db.sequelize.query('SELECT * FROM users WHERE id = ?', { replacements: [u.id], type: QueryTypes.SELECT }));
await run('raw select conc1', () => db.sequelize.query('SELECT * FROM users WHERE id = ?', { replacements: [u.id], type: QueryTypes.SELECT }), 1);
const conn = await db.sequelize.connectionManager.getConnection();
await run('driver get', () => new Promise((res, rej) => conn.get('SELECT * FROM users WHERE id = ?', [u.id], (e, r) => e ? rej(e) : res(r))));
process.exit(0);
