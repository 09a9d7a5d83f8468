/**
 * Throughput of GET /v1/engine_version with 2 workers and the access log on, against a bare
 * node:cluster hello with 2 workers, both measured with wrk in the same run (alternating,
 * best of two rounds each, after a warm-up). Prints both req/s and the ratio (target >= 0.6).
 */
import { startServer } from '../test/helpers/server.js';
import { report, startClusterHello, wrk } from './lib.js';

/** The figures of one throughput comparison. */
export interface ThroughputFigures {
  ours: number;
  baseline: number;
  ratio: number;
  failed: number;
}

export async function throughput(seconds = 6, rounds = 2): Promise<ThroughputFigures> {
  const server = await startServer({ workers: 2, settings: { ACCESS_LOG: true, LOG_LEVEL: 'warning' } });
  const hello = await startClusterHello(2);
  const oursUrl = `${server.base}/v1/engine_version`;
  let ours = 0;
  let baseline = 0;
  let failed = 0;
  try {
    await wrk(oursUrl, 2);
    await wrk(hello.url, 2);
    for (let r = 0; r < rounds; r += 1) {
      const b = await wrk(hello.url, seconds);
      const o = await wrk(oursUrl, seconds);
      report(`  round ${r + 1}: node:cluster hello ${b.perSecond.toFixed(0)} req/s, oq-webui ${o.perSecond.toFixed(0)} req/s (${o.detail})`);
      baseline = Math.max(baseline, b.perSecond);
      ours = Math.max(ours, o.perSecond);
      failed += o.failed;
    }
  } finally {
    await hello.stop();
    await server.stop();
  }
  return { ours, baseline, ratio: ours / baseline, failed };
}
