/**
 * Benchmark of GET /v1/calc/list?limit=100 for a logged-in group member (LOCKDOWN on, 2 workers):
 * with 100,000 jobs and with 300 jobs in the database. Prints median and p99 latency, requests
 * per second, and the ratio of the cost of a page at 100,000 vs 300 jobs (target: no growth).
 *
 *   npm run build && node dist/bench/calc-list.js [--duration SECONDS] [--connections N]
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BENCH_USER, fillCalcDatabase, GROUP_SIZE, PASSWORD, USERS } from './calc-list-data.js';
import { login } from '../test/helpers/accounts.js';
import { startServer, tempDir } from '../test/helpers/server.js';

/** The parts of autocannon's result we print. */
interface CannonResult {
  latency: { p50: number; p99: number; average: number };
  requests: { average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Cannon = (opts: { url: string; connections: number; duration: number; headers: Record<string, string>; pipelining?: number }) => Promise<CannonResult>;
// autocannon ships no types; its programmatic API is a function returning a promise of the result
const autocannon = createRequire(import.meta.url)('autocannon') as Cannon;


function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

/** One measured configuration. */
interface Figures {
  jobs: number;
  total: string;
  median: number;
  p99: number;
  rps: number;
  single: number;
  errors: number;
}

/** Starts a server on a database of `jobs` jobs and measures the list. */
async function measure(jobs: number, duration: number, connections: number): Promise<Figures> {
  const dir = tempDir('oq-bench-list-');
  process.stdout.write(`filling ${jobs} jobs... `);
  const began = Date.now();
  await fillCalcDatabase(join(dir, 'data'), jobs);
  process.stdout.write(`${((Date.now() - began) / 1000).toFixed(1)} s\n`);
  const server = await startServer({ workers: 2, dir, settings: { LOCKDOWN: true, LOG_LEVEL: 'warning', ACCESS_LOG: false } });
  try {
    const cookie = await login(server, BENCH_USER, PASSWORD);
    const url = `${server.base}/v1/calc/list?limit=100`;
    const check = await fetch(url, { headers: { cookie } });
    const page = (await check.json()) as unknown[];
    const total = check.headers.get('x-total-count') ?? '?';
    if (check.status !== 200 || page.length !== Math.min(100, Number(total))) {
      throw new Error(`unexpected answer: ${check.status}, ${page.length} items of ${total}`);
    }
    await autocannon({ url, connections, duration: 2, headers: { cookie } });
    // one connection: the cost of one page, without queueing
    const one = await autocannon({ url, connections: 1, duration: Math.max(3, duration / 2), headers: { cookie } });
    const many = await autocannon({ url, connections, duration, headers: { cookie } });
    return {
      jobs, total, median: many.latency.p50, p99: many.latency.p99, rps: many.requests.average, single: one.latency.average,
      errors: many.non2xx + many.errors + many.timeouts + one.non2xx + one.errors,
    };
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const duration = arg('--duration', 10);
  const connections = arg('--connections', 20);
  console.log(`GET /v1/calc/list?limit=100 as a logged-in group member (${BENCH_USER}, ${USERS} users in groups of ${GROUP_SIZE}), 2 workers, ${connections} connections, ${duration} s`);
  const big = await measure(100_000, duration, connections);
  const small = await measure(300, duration, connections);
  const row = (f: Figures): string =>
    `${String(f.jobs).padStart(7)} jobs (${f.total.padStart(6)} visible) | median ${f.median.toFixed(2).padStart(6)} ms | p99 ${f.p99.toFixed(2).padStart(6)} ms | ${f.rps.toFixed(0).padStart(6)} req/s | one connection ${f.single.toFixed(2)} ms/page | errors ${f.errors}`;
  console.log(row(big));
  console.log(row(small));
  console.log(`page cost at 100,000 jobs / at 300 jobs (one connection): ${(big.single / small.single).toFixed(2)}  (target: about 1, i.e. no growth)`);
  console.log(`p99 at 100,000 jobs: ${big.p99.toFixed(2)} ms (target: under 20 ms)`);
  console.log(`requests/s at 300 jobs: ${small.rps.toFixed(0)} = ${(small.rps / 500).toFixed(1)}x the original's ~500/s (target: 10x)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
