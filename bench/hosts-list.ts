/**
 * The calc-list benchmark on PostgreSQL, one host and two hosts behind nginx (README "Several
 * hosts", test/helpers/hosts.ts), printed beside SQLite's, measured in the same run: alice's
 * page of 100 of `/v1/calc/list` (cache off), wrk -t2 -c16. On one 2-core machine the hosts,
 * nginx, PostgreSQL and wrk share the cores, so this shows the price of PostgreSQL and of nginx,
 * not the scaling; the PostgreSQL server's own CPU time per request gives how many hosts one
 * database server could feed (docs/performance.md).
 *
 * Run alone: `node dist/bench/hosts-list.js` (QUICK=1: shorter runs; BENCH_HOSTS_JOBS=N jobs, default 300).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { accountFactory, login } from '../test/helpers/accounts.js';
import { createHostsDatabase, startHosts } from '../test/helpers/hosts.js';
import { startNginx, twoHostSite } from '../test/helpers/nginx.js';
import { startPostgres, type PostgresCluster } from '../test/helpers/postgres.js';
import { BIN, startServer, tempDir, type RunningServer } from '../test/helpers/server.js';
import { report, wrkRun, type WrkFigures } from './lib.js';
import { LIST_USER, SEED_USERS, seedPassword, seedWebui } from './seed.js';

const QUICK = !!process.env.QUICK && process.env.QUICK !== '0';
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 3 : 6));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 2));
const JOBS = Number(process.env.BENCH_HOSTS_JOBS ?? 300);
const LIST = '/v1/calc/list?limit=100';
const LOAD = { threads: 2, connections: 16 };
const SERVER = { LOCKDOWN: true, LIST_CACHE_MS: 0, LOG_LEVEL: 'warning', ACCESS_LOG: true };

/** What one case measured. */
export interface HostsFigure {
  label: string;
  best: WrkFigures;
  /** PostgreSQL's CPU time per request (ms), for the PostgreSQL cases. */
  dbMs: number | null;
}

/** The same data as bench/seed.ts gives SQLite: alice and bob in "team", carol in none, JOBS jobs dealt in turn. */
async function seedPostgres(url: string, jobs: number): Promise<void> {
  const f = await accountFactory(url);
  try {
    for (const name of SEED_USERS) {
      await f.createUser({ username: name, password: seedPassword(name), groups: name === 'carol' ? [] : ['team'] });
    }
    await f.db.sequelize.query(`INSERT INTO job (description, user_name, calculation_mode, status, is_running, start_time, relevant, job_ini, abort_requested, size_mb)
      SELECT 'calc ' || i, (ARRAY['alice', 'bob', 'carol'])[i % 3 + 1], 'classical', 'complete', FALSE, now(), TRUE, 'job.ini', FALSE, 0 FROM generate_series(0, ${jobs - 1}) AS i`);
    await f.db.sequelize.query('ANALYZE');
  } finally {
    await f.close();
  }
}

/** CPU time (ms) the cluster's processes used so far: the postmaster, its reaped children and those alive. */
function postgresCpuMs(cluster: PostgresCluster): number {
  const postmaster = Number(readFileSync(join(cluster.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const ticks = (pid: number, withChildren: boolean): number => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime, stime (fields 14, 15); cutime, cstime (16, 17): clock ticks of 10 ms
    return Number(f[11]) + Number(f[12]) + (withChildren ? Number(f[13]) + Number(f[14]) : 0);
  };
  let total = ticks(postmaster, true);
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const f = readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ');
      if (Number(f[1]) === postmaster) {
        total += ticks(Number(d), false);
      }
    } catch {
      // gone meanwhile: its time is in the postmaster's cutime
    }
  }
  return total * 10;
}

/** Warm-up, then ROUNDS measured runs of the list at `base`; the best, and PostgreSQL's CPU per request over them. */
async function measure(label: string, base: string, cookie: string, cluster: PostgresCluster | null): Promise<HostsFigure> {
  const res = await fetch(`${base}${LIST}`, { headers: { cookie } });
  const page = (await res.json()) as unknown[];
  if (res.status !== 200 || page.length !== Math.min(100, JOBS)) {
    throw new Error(`${label}: unexpected list answer ${res.status}, ${page.length} items`);
  }
  await wrkRun(`${base}${LIST}`, { ...LOAD, seconds: 2, headers: { cookie } });
  const runs: WrkFigures[] = [];
  const cpu0 = cluster ? postgresCpuMs(cluster) : 0;
  for (let r = 0; r < ROUNDS; r += 1) {
    runs.push(await wrkRun(`${base}${LIST}`, { ...LOAD, seconds: SECONDS, headers: { cookie } }));
  }
  const requests = runs.reduce((n, w) => n + w.requests, 0);
  const dbMs = cluster ? (postgresCpuMs(cluster) - cpu0) / requests : null;
  const best = runs.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
  const failed = runs.reduce((n, w) => n + w.failed, 0);
  report(`  ${label}: ${runs.map((w) => `${w.perSecond.toFixed(0)} req/s (p50 ${w.p50.toFixed(2)} ms, p99 ${w.p99.toFixed(2)} ms)`).join('; ')}`
    + `${failed > 0 ? `; ${failed} FAILED` : ''}${dbMs === null ? '' : `; PostgreSQL CPU ${dbMs.toFixed(2)} ms/request`}`);
  if (failed > 0) {
    throw new Error(`${label}: ${failed} requests failed`);
  }
  return { label, best, dbMs };
}

/** The three cases, each started, measured and stopped in turn; their figures. */
export async function hostsListBench(): Promise<HostsFigure[]> {
  report(`\nThe calc list on PostgreSQL, one host and two hosts behind nginx, beside SQLite (issue 19): ${JOBS} jobs, alice's page of 100, cache off, `
    + `wrk -t${LOAD.threads} -c${LOAD.connections}, ${SECONDS} s x ${ROUNDS}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const figures: HostsFigure[] = [];
  const root = tempDir('oq-bench-hosts-');
  const cluster = await startPostgres();
  try {
    // SQLite, one host, 2 workers
    const template = join(root, 'sqlite');
    await seedWebui(template, JOBS);
    const dir = tempDir('oq-bench-hosts-sqlite-');
    cpSync(template, join(dir, 'data'), { recursive: true });
    const lite: RunningServer = await startServer({ workers: 2, dir, settings: SERVER });
    try {
      figures.push(await measure('SQLite, one host (2 workers)', lite.base, await login(lite, LIST_USER, seedPassword(LIST_USER)), null));
    } finally {
      await lite.stop();
    }

    // PostgreSQL, one host, 2 workers
    const url = await createHostsDatabase(cluster);
    execFileSync(process.execPath, [BIN, 'migrate', '--database', url], { stdio: 'ignore' });
    await seedPostgres(url, JOBS);
    const one = await startServer({ workers: 2, settings: { ...SERVER, DATABASE: url } });
    try {
      figures.push(await measure('PostgreSQL, one host (2 workers)', one.base, await login(one, LIST_USER, seedPassword(LIST_USER)), cluster));
    } finally {
      await one.stop();
    }

    // PostgreSQL, two hosts of 1 worker each (as many workers as above) behind the shipped nginx site
    const h = await startHosts({ cluster, workers: 1, settings: SERVER });
    try {
      await seedPostgres(h.database, JOBS);
      const nginx = await startNginx((port) => twoHostSite(h.a.port, h.b.port, port));
      try {
        figures.push(await measure('PostgreSQL, two hosts (1 worker each) behind nginx', nginx.base, await login(nginx, LIST_USER, seedPassword(LIST_USER)), cluster));
      } finally {
        await nginx.stop();
      }
    } finally {
      await h.stop();
    }
  } finally {
    await cluster.stop();
    rmSync(root, { recursive: true, force: true });
  }
  const [lite, pg, hosts] = figures;
  report(`  PostgreSQL / SQLite: ${(pg.best.perSecond / lite.best.perSecond).toFixed(2)}; two hosts behind nginx / SQLite: ${(hosts.best.perSecond / lite.best.perSecond).toFixed(2)}; `
    + `two hosts behind nginx / PostgreSQL one host: ${(hosts.best.perSecond / pg.best.perSecond).toFixed(2)}`);
  const dbMs = pg.dbMs as number;
  // a database server of C cores saturates at C * 1000 / dbMs requests per second
  const cores = availableParallelism();
  report(`  PostgreSQL's own CPU per list request: ${dbMs.toFixed(2)} ms (one host), ${(hosts.dbMs as number).toFixed(2)} ms (two hosts): one ${cores}-core database server answers about `
    + `${((cores * 1000) / dbMs).toFixed(0)} list requests/s, about ${((cores * 1000) / dbMs / pg.best.perSecond).toFixed(1)} hosts each serving ${pg.best.perSecond.toFixed(0)} req/s as measured here`);
  report(`  load average now ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  return figures;
}

if (process.argv[1]?.endsWith('hosts-list.js')) {
  hostsListBench().then(() => process.exit(0), (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
