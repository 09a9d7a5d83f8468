import { createRequire } from 'node:module';
import { startServer, tempDir } from '/work/main/dist/test/helpers/server.js';
import { login } from '/work/main/dist/test/helpers/accounts.js';
const autocannon = createRequire(import.meta.url)('autocannon');
const lockdown = process.argv[2] === 'on';
const server = await startServer({ workers: 2, settings: { LOCKDOWN: lockdown, LOG_LEVEL: 'warning', ACCESS_LOG: false } });
try {
  let headers = {};
  if (lockdown) {
    const { accountFactory } = await import('/work/main/dist/test/helpers/accounts.js');
    const f = await accountFactory(server); await f.createUser({ username: 'u', groups: ['g'] }); await f.close();
    headers = { cookie: await login(server, 'u') };
  }
  for (const path of process.argv.slice(3)) {
    const r = await autocannon({ url: server.base + path, connections: 20, duration: 4, headers });
    console.log(path, 'rps', r.requests.average, 'p50', r.latency.p50, 'non2xx', r.non2xx);
  }
} finally { await server.stop(); }
