/**
 * Profiles the workers under load: starts oq-webui (LOCKDOWN on, 2 workers, the bench's seeded
 * data) with NODE_OPTIONS=--cpu-prof, runs wrk on one URL with alice's session, stops the
 * server; the workers' .cpuprofile files land in the given folder.
 *   node dist/bench/profile-run.js OUTDIR [engine_version|list|open] [SECONDS]
 */
import { cpSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DIST_ROOT } from '../src/paths.js';
import { startServer, tempDir } from '../test/helpers/server.js';
import { wrkRun } from './lib.js';
import { seedPassword, seedWebui } from './seed.js';

const out = resolve(process.argv[2] ?? 'profiles');
const what = process.argv[3] ?? 'engine_version';
const seconds = Number(process.argv[4] ?? 8);
mkdirSync(out, { recursive: true });
const template = tempDir('oq-prof-data-');
await seedWebui(template, 300);
const dir = tempDir('oq-prof-');
cpSync(template, join(dir, 'data'), { recursive: true });
const server = await startServer({
  workers: 2, dir,
  settings: { LOCKDOWN: what !== 'open', LIST_CACHE_MS: 0, ACCESS_LOG: true, LOG_LEVEL: 'warning' },
  env: { NODE_OPTIONS: `--import=${join(DIST_ROOT, 'bench', 'cpu-profile-preload.js')}`, CPU_PROF_DIR: out },
});
try {
  let cookie = '';
  if (what !== 'open') {
    const res = await server.fetch('/accounts/ajax_login/', {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `username=alice&password=${seedPassword('alice')}`,
    });
    cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  }
  const path = what === 'list' ? '/v1/calc/list?limit=100' : '/v1/engine_version';
  const r = await wrkRun(`${server.base}${path}`, { threads: 2, connections: 16, seconds, headers: cookie ? { cookie } : {} });
  console.log(`${what}: ${r.perSecond.toFixed(0)} req/s, ${r.failed} failed; master pid ${server.proc.pid}, workers ${(await server.readyWorkers()).join(' ')}`);
} finally {
  await server.stop();
}
