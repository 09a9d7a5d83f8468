import http from 'node:http';
import { createRequire } from 'node:module';
import winston from 'winston';
import { createApp } from '/work/main/dist/src/app.js';
import { testSettings } from '/work/main/dist/test/runner/support.js';
import { openAndMigrate } from '/work/main/dist/src/models/database.js';
import { accountFactory, login } from '/work/main/dist/test/helpers/accounts.js';
import { tempDir } from '/work/main/dist/test/helpers/server.js';
const autocannon = createRequire(import.meta.url)('autocannon');
const dir = tempDir('inproc-');
const settings = { ...testSettings(dir), LOCKDOWN: process.argv[2] === 'on' };
const db = await openAndMigrate(settings.DATABASE); await db.sequelize.close();
const f = await accountFactory(settings.DATABASE); await f.createUser({ username: 'u', groups: ['g'] }); await f.close();
const log = winston.createLogger({ levels: { critical: 0, error: 1, warning: 2, info: 3, debug: 4 }, silent: true });
const app = await createApp({ settings, log, writeLine: () => {}, notify: () => {} });
const server = http.createServer(app.callback());
await new Promise(r => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;
const headers = settings.LOCKDOWN ? { cookie: await login({ fetch: (p, i) => fetch(base + p, i) }, 'u') } : {};
for (const path of process.argv.slice(3)) {
  const r = await autocannon({ url: base + path, connections: 10, duration: 4, headers });
  console.log(path, 'rps', r.requests.average, 'p50', r.latency.p50, 'non2xx', r.non2xx);
}
server.close(); process.exit(0);
