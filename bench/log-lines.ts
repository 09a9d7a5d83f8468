/**
 * What issue 21's log-line guarantees cost (`node dist/bench/log-lines.js`):
 * 1. an audit line sent at once and awaited in the IPC pipe (what a login now waits for), against
 *    a failed login's whole latency measured on a real server in the same run;
 * 2. access lines sent at the end of each loop turn: the worker's requests/s with the access log
 *    on against off, same run (the cost of the whole access log, its sending included).
 */
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { DIST_ROOT } from '../src/paths.js';
import { accountFactory } from '../test/helpers/accounts.js';
import { startServer } from '../test/helpers/server.js';
import { median, report, wrkRun, type WrkFigures } from './lib.js';

const LOGINS = Number(process.env.BENCH_LOGINS ?? 300);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

/** What the child measured: µs per awaited audit line, per access line alone in its turn, per empty turn. */
interface IpcCost {
  audit: number;
  accessOnePerTurn: number;
  emptyTurn: number;
}

/** Forks the child with an IPC channel (as the master does) and takes its figures. */
function ipcCost(): Promise<IpcCost> {
  const child = fork(join(DIST_ROOT, 'bench', 'log-lines-child.js'), ['20000']);
  return new Promise((resolve) => {
    child.on('message', (m: Partial<IpcCost> & { t?: string }) => {
      if (m.audit !== undefined) {
        resolve(m as IpcCost);
      }
    });
  });
}

async function loginLatency(): Promise<number> {
  const server = await startServer({ workers: 1, settings: { LOCKDOWN: true, LOGIN_FAILURE_LIMIT: 0, LOGIN_FAILURE_IP_LIMIT: 0 } });
  try {
    const f = await accountFactory(server);
    try {
      await f.createUser({ username: 'bench' });
    } finally {
      await f.close();
    }
    const times: number[] = [];
    for (let i = 0; i < LOGINS; i += 1) {
      const t = performance.now();
      const res = await server.fetch('/accounts/ajax_login/', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: 'bench', password: 'wrong' }).toString(),
      });
      await res.arrayBuffer();
      times.push(performance.now() - t);
    }
    return median(times.slice(20));
  } finally {
    await server.stop();
  }
}

async function requestsPerSecond(accessLog: boolean): Promise<WrkFigures> {
  const server = await startServer({ workers: 2, settings: { ACCESS_LOG: accessLog } });
  try {
    await wrkRun(`${server.base}/v1/engine_version`, { seconds: 1, connections: 16, threads: 2 });
    return await wrkRun(`${server.base}/v1/engine_version`, { seconds: SECONDS, connections: 16, threads: 2 });
  } finally {
    await server.stop();
  }
}

report(`log-lines bench, load average ${load()}`);
const ipc = await ipcCost();
report(`1. audit line sent and awaited in the IPC pipe: ${ipc.audit.toFixed(1)} us per line`);
const login = await loginLatency();
report(`   a failed login (real server, 1 worker, median of ${LOGINS - 20}): ${login.toFixed(2)} ms; the awaited line is ${((ipc.audit / 1000 / login) * 100).toPrecision(2)} % of it`);
report(`   access line alone in its loop turn (the worst case of end-of-turn batching): ${(ipc.accessOnePerTurn - ipc.emptyTurn).toFixed(1)} us over an empty turn (${ipc.emptyTurn.toFixed(1)} us)`);
const on: WrkFigures[] = [];
const off: WrkFigures[] = [];
for (let r = 0; r < ROUNDS; r += 1) {
  on.push(await requestsPerSecond(true));
  off.push(await requestsPerSecond(false));
}
const best = (runs: WrkFigures[]): number => Math.max(...runs.map((f) => f.perSecond));
report(`2. /v1/engine_version, 2 workers, wrk -t2 -c16, best of ${ROUNDS}: access log on ${best(on).toFixed(0)} req/s, off ${best(off).toFixed(0)} req/s: on/off = ${(best(on) / best(off)).toFixed(3)}`);
report(`load average at the end ${load()}`);
