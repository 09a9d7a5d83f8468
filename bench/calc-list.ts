/**
 * Benchmark of GET /v1/calc/list?limit=100 for a logged-in group member (LOCKDOWN on, 2 workers):
 * with 100,000 jobs and with 300 jobs in the database. Prints median and p99 latency, requests
 * per second, and the ratio of the cost of a page at 100,000 vs 300 jobs (target: no growth).
 *
 *   npm run build && node dist/bench/calc-list.js [--duration SECONDS] [--connections N]
 */
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { actorOfUser } from '../src/auth/users.js';
import { visibleOwners } from '../src/calcs/access.js';
import { selectRows } from '../src/calcs/fast-sql.js';
import { listQueries, parseListParams } from '../src/calcs/list-query.js';
import { openDatabase } from '../src/db/connection.js';
import { initAccountModels } from '../src/models/index.js';
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
  cache: boolean;
  total: string;
  median: number;
  p99: number;
  rps: number;
  single: number;
  singleP99: number;
  floor: number;
  errors: number;
}

/** The CPU time of the list's SQL alone (owners, page, count) for the bench user, in ms per request. */
async function sqlCost(dataDir: string, limit: number): Promise<number> {
  const db = await openDatabase(`sqlite:${join(dataDir, 'webui.sqlite3')}`);
  try {
    const { User } = initAccountModels(db);
    const user = await User.findOne({ where: { username: BENCH_USER } });
    const actor = await actorOfUser(initAccountModels(db), user as NonNullable<typeof user>);
    const run = async (): Promise<void> => {
      const { page, count } = listQueries(await visibleOwners({ sequelize: db }, actor), parseListParams({ limit: String(limit) }));
      await Promise.all([selectRows(db, page.sql, page.replacements), selectRows(db, count.sql, count.replacements)]);
    };
    for (let i = 0; i < 50; i += 1) {
      await run();
    }
    const n = 500;
    const before = process.cpuUsage();
    for (let i = 0; i < n; i += 1) {
      await run();
    }
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1000 / n;
  } finally {
    await db.close();
  }
}

/** Starts a server on a copy of `template` and measures the list (and a route without database work, for the floor). */
async function measure(template: string, jobs: number, cache: boolean, duration: number, connections: number): Promise<Figures> {
  const dir = tempDir('oq-bench-list-');
  cpSync(template, join(dir, 'data'), { recursive: true });
  const settings = { LOCKDOWN: true, LOG_LEVEL: 'warning', ACCESS_LOG: false, LIST_CACHE_MS: cache ? 1000 : 0 };
  const server = await startServer({ workers: 2, dir, settings });
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
    const floor = await autocannon({ url: `${server.base}/v1/engine_version`, connections, duration: Math.max(3, duration / 2), headers: { cookie } });
    return {
      jobs, cache, total, median: many.latency.p50, p99: many.latency.p99, rps: many.requests.average, single: one.latency.average, singleP99: one.latency.p99,
      floor: floor.requests.average, errors: many.non2xx + many.errors + many.timeouts + one.non2xx + one.errors,
    };
  } finally {
    await server.stop();
  }
}

/** Runs the benchmark, printing each line with `out` (run-all passes its report). */
export async function calcListBenchmark(out: (line: string) => void = console.log, duration = 10, connections = 20): Promise<void> {
  out(`GET /v1/calc/list?limit=100 as a logged-in group member (${BENCH_USER}, ${USERS} users in groups of ${GROUP_SIZE}), LOCKDOWN on, 2 workers, ${connections} connections, ${duration} s`);
  const root = tempDir('oq-bench-data-');
  const templates: Record<number, string> = {};
  const sql: Record<number, number> = {};
  const sql50: Record<number, number> = {};
  try {
    for (const jobs of [100_000, 300]) {
      templates[jobs] = join(root, String(jobs));
      const began = Date.now();
      await fillCalcDatabase(templates[jobs], jobs);
      sql[jobs] = await sqlCost(templates[jobs], 100);
      sql50[jobs] = await sqlCost(templates[jobs], 50);
      out(`filled ${jobs} jobs in ${((Date.now() - began) / 1000).toFixed(1)} s; the list's SQL costs ${sql[jobs].toFixed(3)} ms of CPU per request (limit=100), ${sql50[jobs].toFixed(3)} ms (limit=50)`);
    }
    const figures: Figures[] = [];
    for (const cache of [true, false]) {
      for (const jobs of [100_000, 300]) {
        figures.push(await measure(templates[jobs], jobs, cache, duration, connections));
      }
    }
    const row = (f: Figures): string =>
      `${String(f.jobs).padStart(7)} jobs (${f.total.padStart(6)} visible), list cache ${f.cache ? 'on ' : 'off'} | median ${f.median.toFixed(2).padStart(6)} ms | p99 ${f.p99.toFixed(2).padStart(6)} ms | ${f.rps.toFixed(0).padStart(6)} req/s | one connection ${f.single.toFixed(2)} ms/page, p99 ${f.singleP99.toFixed(2)} ms | /v1/engine_version ${f.floor.toFixed(0)} req/s | errors ${f.errors}`;
    figures.forEach((f) => out(row(f)));
    const find = (jobs: number, cache: boolean): Figures => figures.find((f) => f.jobs === jobs && f.cache === cache) as Figures;
    out(`page cost at 100,000 / 300 jobs: SQL, same page size (50 items) ${(sql50[100_000] / sql50[300]).toFixed(2)}; SQL, limit=100 (100 vs 54 items) ${(sql[100_000] / sql[300]).toFixed(2)}; HTTP, one connection, cache off ${(find(100_000, false).single / find(300, false).single).toFixed(2)}, cache on ${(find(100_000, true).single / find(300, true).single).toFixed(2)}  (target: about 1)`);
    out(`p99 at 100,000 jobs, ${connections} connections: ${find(100_000, true).p99.toFixed(2)} ms with the cache, ${find(100_000, false).p99.toFixed(2)} ms without; one connection: ${find(100_000, true).singleP99.toFixed(2)} / ${find(100_000, false).singleP99.toFixed(2)} ms (target: under 20 ms)`);
    for (const cache of [true, false]) {
      const f = find(300, cache);
      out(`requests/s at 300 jobs, cache ${cache ? 'on' : 'off'}: ${f.rps.toFixed(0)} = ${(f.rps / 500).toFixed(1)}x the original's ~500/s (target: 10x); a route without database work serves ${f.floor.toFixed(0)}/s to the same logged-in user`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

// run directly (node dist/bench/calc-list.js), not when imported by run-all
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  calcListBenchmark(console.log, arg('--duration', 10), arg('--connections', 20)).then(() => process.exit(0), (err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
