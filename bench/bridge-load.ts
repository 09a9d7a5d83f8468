/**
 * Issue 17: 20 extracts at once on the 2 Python processes of the bridge while wrk measures
 * `/v1/engine_version` (a route that never needs Python): its rate with the extracts running vs
 * without, and every extract answered.
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import type { EngineCalc } from './engine-calc.js';
import { MEAN_CURVES } from './extract-compare.js';
import { cpuMicros, median, report, wrkRun, type WrkFigures } from './lib.js';

export const CONCURRENT_EXTRACTS = 20;
const LOAD = { threads: 2, connections: 16 };

/** The bridge's Python processes (children of the bridge child running the adapter). */
export async function bridgePythons(calc: EngineCalc): Promise<number[]> {
  const rows = (await calc.ls.server.status()).children as { kind: string; pid: number }[];
  const bridge = rows.find((r) => r.kind === 'bridge')?.pid;
  return execFileSync('ps', ['-o', 'pid=,ppid=,args=', '-e'], { encoding: 'utf8' }).split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((w) => Number(w[1]) === bridge && w.join(' ').includes('oq_webui_bridge.py'))
    .map((w) => Number(w[0]));
}

/** The server's processes by role: HTTP workers, the bridge child, its Python processes. */
async function roles(calc: EngineCalc): Promise<Record<string, number[]>> {
  const rows = (await calc.ls.server.status()).children as { kind: string; pid: number }[];
  return {
    'HTTP workers': rows.filter((r) => r.kind === 'web').map((r) => r.pid),
    'bridge child': rows.filter((r) => r.kind === 'bridge').map((r) => r.pid),
    'Python processes': await bridgePythons(calc),
    'master': [calc.ls.server.proc.pid as number],
    'this bench (wrk excluded)': [process.pid],
  };
}

/** CPU seconds each role used while `work` ran. */
async function cpuDuring<T>(pids: Record<string, number[]>, work: Promise<T>): Promise<{ value: T; cpu: string }> {
  const sum = (ps: number[]): number => ps.reduce((a, p) => {
    try {
      return a + cpuMicros(p);
    } catch {
      return a;
    }
  }, 0);
  const before = Object.fromEntries(Object.entries(pids).map(([k, ps]) => [k, sum(ps)]));
  const value = await work;
  const cpu = Object.entries(pids).map(([k, ps]) => `${k} ${((sum(ps) - before[k]) / 1e6).toFixed(1)} s`).join(', ');
  return { value, cpu };
}

/** What one loaded round saw. */
interface Extracts {
  statuses: Map<number, number>;
  ms: number[];
}

/** Keeps `n` extracts in flight (each client asks again when answered) until `stop()` resolves. */
async function extractsDuring(calc: EngineCalc, n: number, stop: Promise<unknown>): Promise<Extracts> {
  const url = `${calc.ls.server.base}/v1/calc/${calc.id}/extract/${MEAN_CURVES}`;
  const seen: Extracts = { statuses: new Map(), ms: [] };
  let done = false;
  void stop.then(() => {
    done = true;
  });
  await Promise.all(Array.from({ length: n }, async () => {
    while (!done) {
      const t0 = performance.now();
      let status = 0;
      try {
        const res = await fetch(url, { headers: { cookie: calc.cookie } });
        await res.arrayBuffer();
        status = res.status;
      } catch {
        status = -1;
      }
      seen.ms.push(performance.now() - t0);
      seen.statuses.set(status, (seen.statuses.get(status) ?? 0) + 1);
    }
  }));
  return seen;
}

/** Figures of the measurement. */
export interface LoadFigures {
  without: WrkFigures;
  during: WrkFigures;
  /** With the extracts queued on held Python processes (no Python running). */
  waiting: WrkFigures;
  /** engine_version's rate in each round: with the extracts running, and waiting, over without. */
  ratios: { during: number; waiting: number }[];
  extracts: number;
  failedExtracts: number;
  extractMs: number;
  burstMs: number;
  pythons: number;
  load: string;
}

const best = (runs: WrkFigures[]): WrkFigures => runs.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
const la = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');

/** `rounds` rounds of wrk without, then with, 20 extracts in flight, `seconds` each. */
export async function bridgeLoad(calc: EngineCalc, rounds: number, seconds: number): Promise<LoadFigures> {
  const ev = `${calc.ls.server.base}/v1/engine_version`;
  const headers = { cookie: calc.cookie };
  const pythons = (await bridgePythons(calc)).length;
  // each Python process imports the engine's extract code at its first extract: not part of the figure
  await Promise.all([0, 1].map(async () => (await fetch(`${calc.ls.server.base}/v1/calc/${calc.id}/extract/${MEAN_CURVES}`, { headers })).arrayBuffer()));
  // one burst first: 20 sent together, all answered
  const t0 = performance.now();
  const burst = await Promise.all(Array.from({ length: CONCURRENT_EXTRACTS }, async () => {
    const res = await fetch(`${calc.ls.server.base}/v1/calc/${calc.id}/extract/${MEAN_CURVES}`, { headers });
    await res.arrayBuffer();
    return res.status;
  }));
  const burstMs = performance.now() - t0;
  const burstFailed = burst.filter((s) => s !== 200).length;
  report(`   a burst of ${CONCURRENT_EXTRACTS} extracts sent together on ${pythons} Python processes: ${CONCURRENT_EXTRACTS - burstFailed} answered 200 in ${burstMs.toFixed(0)} ms`);
  // the extracts alone: what one costs each role in CPU
  const alone = await cpuDuring(await roles(calc), extractsDuring(calc, CONCURRENT_EXTRACTS, new Promise((r) => setTimeout(r, seconds * 1000))));
  const n = [...alone.value.statuses.values()].reduce((a, b) => a + b, 0);
  report(`   ${CONCURRENT_EXTRACTS} extracts in flight alone for ${seconds} s: ${n} answered (${alone.value.statuses.get(200) ?? 0} with 200, median ${median(alone.value.ms).toFixed(0)} ms each); CPU used: ${alone.cpu}`);
  await wrkRun(ev, { ...LOAD, seconds: 1, headers });
  const without: WrkFigures[] = [];
  const during: WrkFigures[] = [];
  const waiting: WrkFigures[] = [];
  let extracts = CONCURRENT_EXTRACTS + n;
  let failedExtracts = burstFailed + n - (alone.value.statuses.get(200) ?? 0);
  const ms: number[] = [];
  for (let r = 0; r < rounds; r += 1) {
    const pids = await roles(calc);
    const quiet = await cpuDuring(pids, wrkRun(ev, { ...LOAD, seconds, headers }));
    without.push(quiet.value);
    const measuring = wrkRun(ev, { ...LOAD, seconds, headers });
    const busy = await cpuDuring(pids, extractsDuring(calc, CONCURRENT_EXTRACTS, measuring));
    const seen = busy.value;
    during.push(await measuring);
    const ok = seen.statuses.get(200) ?? 0;
    const total = [...seen.statuses.values()].reduce((a, b) => a + b, 0);
    extracts += total;
    failedExtracts += total - ok;
    ms.push(...seen.ms);
    report(`   round ${r + 1} (load average ${la()}): engine_version without extracts ${without[r].perSecond.toFixed(0)} req/s (p99 ${without[r].p99.toFixed(1)} ms), `
      + `with ${CONCURRENT_EXTRACTS} extracts in flight ${during[r].perSecond.toFixed(0)} req/s (p99 ${during[r].p99.toFixed(1)} ms, ${during[r].failed} failed); `
      + `extracts meanwhile: ${total} answered, ${ok} with 200 (median ${median(seen.ms).toFixed(0)} ms each)`);
    report(`     CPU used without the extracts: ${quiet.cpu}; with them: ${busy.cpu}`);
    // the same 20 waiting on held Python processes: what waiting on Python alone costs other routes
    const held = await bridgePythons(calc);
    held.forEach((p) => process.kill(p, 'SIGSTOP'));
    let queued: Promise<number[]>;
    try {
      queued = Promise.all(Array.from({ length: CONCURRENT_EXTRACTS }, async () => {
        const res = await fetch(`${calc.ls.server.base}/v1/calc/${calc.id}/extract/${MEAN_CURVES}`, { headers });
        await res.arrayBuffer();
        return res.status;
      }));
      waiting.push(await wrkRun(ev, { ...LOAD, seconds, headers }));
    } finally {
      held.forEach((p) => process.kill(p, 'SIGCONT'));
    }
    const answered = await queued;
    extracts += answered.length;
    failedExtracts += answered.filter((st) => st !== 200).length;
    report(`     with ${CONCURRENT_EXTRACTS} extracts waiting on the 2 Python processes held (SIGSTOP): engine_version ${waiting[r].perSecond.toFixed(0)} req/s (p99 ${waiting[r].p99.toFixed(1)} ms, ${waiting[r].failed} failed); `
      + `the ${CONCURRENT_EXTRACTS} answered ${answered.filter((st) => st === 200).length} x 200 once released`);
  }
  const ratios = without.map((w, i) => ({ during: during[i].perSecond / w.perSecond, waiting: waiting[i].perSecond / w.perSecond }));
  return { without: best(without), during: best(during), waiting: best(waiting), ratios, extracts, failedExtracts, extractMs: median(ms), burstMs, pythons, load: la() };
}
