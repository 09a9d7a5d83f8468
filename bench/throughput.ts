/**
 * Throughput of GET /v1/engine_version with 2 workers and the access log on, against a bare
 * node:cluster hello with 2 workers, both measured with wrk in the same run (alternating,
 * best of two rounds each, after a warm-up). Prints both req/s and the ratio (target >= 0.6).
 */
import { startServer } from '../test/helpers/server.js';
import { cpuMicros, pidsRunning, report, startClusterHello, wrk, type WrkResult } from './lib.js';

/** The figures of one throughput comparison. */
export interface ThroughputFigures {
  ours: number;
  baseline: number;
  ratio: number;
  failed: number;
  /** Server-side CPU time per request (all server processes), in microseconds. */
  oursCpu: number;
  baselineCpu: number;
}

/** Runs wrk and measures the CPU time the given processes spent per request meanwhile. */
async function measured(url: string, seconds: number, pids: number[]): Promise<WrkResult & { cpu: number }> {
  const before = pids.map(cpuMicros);
  const r = await wrk(url, seconds);
  const used = pids.reduce((sum, p, i) => sum + cpuMicros(p) - before[i], 0);
  return { ...r, cpu: used / Math.max(1, r.requests) };
}

export async function throughput(seconds = 6, rounds = 2): Promise<ThroughputFigures> {
  const server = await startServer({ workers: 2, settings: { ACCESS_LOG: true, LOG_LEVEL: 'warning' } });
  const hello = await startClusterHello(2);
  const oursUrl = `${server.base}/v1/engine_version`;
  let ours = 0;
  let baseline = 0;
  let failed = 0;
  let oursCpu = Infinity;
  let baselineCpu = Infinity;
  try {
    const oursPids = [server.proc.pid as number, ...(await server.status()).children.map((c) => (c as { pid: number }).pid)];
    const helloPids = pidsRunning('cluster-hello.js');
    await wrk(oursUrl, 2);
    await wrk(hello.url, 2);
    for (let r = 0; r < rounds; r += 1) {
      const b = await measured(hello.url, seconds, helloPids);
      const o = await measured(oursUrl, seconds, oursPids);
      report(`  round ${r + 1}: node:cluster hello ${b.perSecond.toFixed(0)} req/s (${b.cpu.toFixed(1)} us CPU/request), oq-webui ${o.perSecond.toFixed(0)} req/s (${o.cpu.toFixed(1)} us CPU/request; ${o.detail})`);
      baseline = Math.max(baseline, b.perSecond);
      ours = Math.max(ours, o.perSecond);
      baselineCpu = Math.min(baselineCpu, b.cpu);
      oursCpu = Math.min(oursCpu, o.cpu);
      failed += o.failed;
    }
  } finally {
    await hello.stop();
    await server.stop();
  }
  return { ours, baseline, ratio: ours / baseline, failed, oursCpu, baselineCpu };
}
