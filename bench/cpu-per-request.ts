/**
 * CPU per request of the web workers (user + system, from /proc), which a busy shared machine
 * disturbs far less than requests per second: engine_version LOCKDOWN off and with a session,
 * the list (cache off) with a session. `node dist/bench/cpu-per-request.js`.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { cpSync } from 'node:fs';
import { startServer, tempDir, type RunningServer } from '../test/helpers/server.js';
import { cpuMicros, report, wrkRun } from './lib.js';
import { LIST_USER, seedPassword, seedWebui } from './seed.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

async function login(server: RunningServer): Promise<string> {
  const res = await server.fetch('/accounts/ajax_login/', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: LIST_USER, password: seedPassword(LIST_USER) }).toString(),
  });
  await res.text();
  return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

/** Worker CPU microseconds per request over one wrk run (the best of ROUNDS). */
async function perRequest(server: RunningServer, path: string, cookie?: string): Promise<number> {
  const pids = await server.readyWorkers();
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r += 1) {
    const before = pids.reduce((a, p) => a + cpuMicros(p), 0);
    const f = await wrkRun(`${server.base}${path}`, { seconds: SECONDS, connections: 16, threads: 2, headers: cookie ? { cookie } : {} });
    const used = pids.reduce((a, p) => a + cpuMicros(p), 0) - before;
    if (f.failed > 0) {
      throw new Error(`${path}: ${f.failed} failed (${f.detail})`);
    }
    best = Math.min(best, used / f.requests);
  }
  return best;
}

async function main(): Promise<void> {
  report(`worker CPU per request, best of ${ROUNDS} x ${SECONDS} s; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const root = tempDir('oq-cpu-');
  const t300 = join(root, '300');
  await seedWebui(t300, 300);
  const dir = tempDir('oq-cpu-run-');
  cpSync(t300, join(dir, 'data'), { recursive: true });
  const locked = await startServer({ workers: 2, dir, settings: { LOG_LEVEL: 'warning', ACCESS_LOG: true, LOCKDOWN: true, LIST_CACHE_MS: 0 } });
  const open = await startServer({ workers: 2, settings: { LOG_LEVEL: 'warning', ACCESS_LOG: true, LOCKDOWN: false } });
  try {
    const cookie = await login(locked);
    const off = await perRequest(open, '/v1/engine_version');
    const session = await perRequest(locked, '/v1/engine_version', cookie);
    const list = await perRequest(locked, '/v1/calc/list?limit=100', cookie);
    report(`engine_version LOCKDOWN off: ${off.toFixed(0)} us; with a session: ${session.toFixed(0)} us (ratio of throughput at equal CPU: ${(off / session).toFixed(2)}); list, page of 100, cache off: ${list.toFixed(0)} us`);
  } finally {
    await Promise.all([locked.stop(), open.stop()]);
  }
  report(`load average now ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

await main();
