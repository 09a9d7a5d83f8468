/**
 * `node dist/bench/pg-list.js` (after `npm run build`): the calc-list benchmark on PostgreSQL,
 * printed beside SQLite's. One host each: the same seeded data (bench/seed.ts: alice sees the
 * newest 100 of her and bob's jobs) in a SQLite file and in a database of a throwaway cluster
 * (test/helpers/postgres.ts), two workers each, the list cache off, rounds alternating. On
 * PostgreSQL it also measures the database's share of each request: the server processes' CPU
 * time (all backends of the cluster) and pg_stat_database's active_time, per list request, and
 * from them how many such hosts one database server could take. Two hosts behind nginx: another
 * script's. JOBS (default 10000), BENCH_SECONDS (6), BENCH_ROUNDS (2) change the run.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '../src/auth/passwords.js';
import { startPostgres, type PostgresCluster } from '../test/helpers/postgres.js';
import { BIN, startServer, tempDir, type RunningServer } from '../test/helpers/server.js';
import { cpuMicros, report, wrkRun, type WrkFigures } from './lib.js';
import { LIST_USER, SEED_USERS, seedPassword, seedWebui } from './seed.js';

const JOBS = Number(process.env.JOBS ?? 10_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const LIST = '/v1/calc/list?limit=100';
const LOAD = { threads: 2, connections: 16 };

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

/** The same users, group and jobs as bench/seed.ts, in a migrated PostgreSQL database. */
async function seedPostgres(cluster: PostgresCluster, name: string, jobs: number): Promise<string> {
  const url = await cluster.createDatabase(name);
  execFileSync(process.execPath, [BIN, 'migrate', '--database', url], { stdio: 'ignore' });
  const sql: string[] = ['BEGIN', "INSERT INTO groups (id, name) VALUES (1, 'team')"];
  for (const [i, user] of SEED_USERS.entries()) {
    const hash = await hashPassword(seedPassword(user), 1000);
    sql.push(`INSERT INTO users (id, username, email, password, is_active, is_staff, is_superuser, source, date_joined) VALUES (${i + 1}, '${user}', '', '${hash}', TRUE, FALSE, FALSE, 'local', now())`);
    if (user !== 'carol') {
      sql.push(`INSERT INTO memberships (user_id, group_id) VALUES (${i + 1}, 1)`);
    }
  }
  sql.push("SELECT setval(pg_get_serial_sequence('users', 'id'), 3)", "SELECT setval(pg_get_serial_sequence('groups', 'id'), 1)");
  // job i belongs to SEED_USERS[i % 3], as in bench/seed.ts
  sql.push(`INSERT INTO job (description, user_name, calculation_mode, status, is_running, start_time, relevant, job_ini, abort_requested, size_mb)
    SELECT 'calc ' || i, (ARRAY['${SEED_USERS.join("','")}'])[i % 3 + 1], 'classical', 'complete', FALSE, now(), TRUE, 'job.ini', FALSE, 0
    FROM generate_series(0, ${jobs - 1}) AS i`);
  sql.push('COMMIT');
  await cluster.psql(name, sql.join(';\n'));
  await cluster.psql(name, 'ANALYZE');
  return url;
}

/** Logs in as `user`; the Cookie header. */
async function login(server: RunningServer, user: string): Promise<string> {
  const res = await server.fetch('/accounts/ajax_login/', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: user, password: seedPassword(user) }).toString(),
  });
  if (res.status !== 200) {
    throw new Error(`login of ${user} failed: ${res.status} ${await res.text()}`);
  }
  return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

/** The first page of alice's list: both sides must answer it alike. */
async function firstPage(server: RunningServer, cookie: string): Promise<string> {
  const res = await server.fetch(LIST, { headers: { cookie } });
  const items = (await res.json()) as { id: number; owner: string }[];
  if (res.status !== 200 || items.length !== 100) {
    throw new Error(`unexpected list answer ${res.status}, ${items.length} items`);
  }
  return `${res.headers.get('x-total-count')}:${items.map((i) => `${i.id}/${i.owner}`).join(',')}`;
}

/** CPU time used so far by every process of the cluster (postmaster and backends), in microseconds. */
function clusterCpu(cluster: PostgresCluster): number {
  const postmaster = Number(readFileSync(join(cluster.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const pids = [postmaster, ...childrenOf(postmaster)];
  // ended processes' time is in the parent's cumulative fields (cutime, cstime)
  const fields = readFileSync(`/proc/${postmaster}/stat`, 'utf8').split(') ')[1].split(' ');
  const reaped = (Number(fields[13]) + Number(fields[14])) * 10_000;
  return pids.reduce((sum, pid) => sum + safeCpu(pid), reaped);
}

function safeCpu(pid: number): number {
  try {
    return cpuMicros(pid);
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** pg_stat_database's active_time of `name` (ms spent running statements). */
async function activeMs(cluster: PostgresCluster, name: string): Promise<number> {
  return Number(await cluster.psql(name, `SELECT active_time FROM pg_stat_database WHERE datname = '${name}'`));
}

async function main(): Promise<void> {
  report(`PostgreSQL beside SQLite, /v1/calc/list (page of 100, cache off), ${JOBS.toLocaleString('en')} jobs, one host of 2 workers each; ${availableParallelism()} cores, load ${load()}`);
  const cluster = await startPostgres();
  const servers: RunningServer[] = [];
  try {
    const dir = tempDir('oq-bench-pg-');
    await seedWebui(join(dir, 'data'), JOBS);
    const pgUrl = await seedPostgres(cluster, 'bench', JOBS);
    const settings = { LOG_LEVEL: 'warning', ACCESS_LOG: true, LOCKDOWN: true, LIST_CACHE_MS: 0 };
    const sqlite = await startServer({ workers: 2, dir, settings });
    servers.push(sqlite);
    const pg = await startServer({ workers: 2, settings: { ...settings, DATABASE: pgUrl } });
    servers.push(pg);
    const cookies = { sqlite: await login(sqlite, LIST_USER), pg: await login(pg, LIST_USER) };
    if (await firstPage(sqlite, cookies.sqlite) !== await firstPage(pg, cookies.pg)) {
      throw new Error('SQLite and PostgreSQL answer different first pages');
    }
    await wrkRun(`${sqlite.base}${LIST}`, { ...LOAD, seconds: 2, headers: { cookie: cookies.sqlite } });
    await wrkRun(`${pg.base}${LIST}`, { ...LOAD, seconds: 2, headers: { cookie: cookies.pg } });
    const runs: { sqlite: WrkFigures[]; pg: WrkFigures[] } = { sqlite: [], pg: [] };
    let dbCpuUs = 0;
    let dbActiveMs = 0;
    let pgRequests = 0;
    for (let r = 0; r < ROUNDS; r += 1) {
      const before = load();
      runs.sqlite.push(await wrkRun(`${sqlite.base}${LIST}`, { ...LOAD, seconds: SECONDS, headers: { cookie: cookies.sqlite } }));
      const cpu0 = clusterCpu(cluster);
      const active0 = await activeMs(cluster, 'bench');
      const p = await wrkRun(`${pg.base}${LIST}`, { ...LOAD, seconds: SECONDS, headers: { cookie: cookies.pg } });
      dbCpuUs += clusterCpu(cluster) - cpu0;
      dbActiveMs += await activeMs(cluster, 'bench') - active0;
      pgRequests += p.requests;
      runs.pg.push(p);
      const s = runs.sqlite[r];
      report(`  round ${r + 1}: SQLite ${s.perSecond.toFixed(0)} req/s (p99 ${s.p99.toFixed(1)} ms${s.failed ? `, ${s.failed} FAILED` : ''}), `
        + `PostgreSQL ${p.perSecond.toFixed(0)} req/s (p99 ${p.p99.toFixed(1)} ms${p.failed ? `, ${p.failed} FAILED` : ''}); load ${before} -> ${load()}`);
    }
    const best = (xs: WrkFigures[]): WrkFigures => xs.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
    const s = best(runs.sqlite);
    const p = best(runs.pg);
    const cpuMsPerRequest = dbCpuUs / 1000 / pgRequests;
    const activeMsPerRequest = dbActiveMs / pgRequests;
    report(`\nbest: SQLite ${s.perSecond.toFixed(0)} req/s, PostgreSQL ${p.perSecond.toFixed(0)} req/s: PostgreSQL/SQLite = ${(p.perSecond / s.perSecond).toFixed(2)}`);
    report(`PostgreSQL's time per list request: ${cpuMsPerRequest.toFixed(3)} ms of its CPU (all its processes), ${activeMsPerRequest.toFixed(3)} ms running statements (active_time; includes waiting for a core)`);
    // one database core serves 1000 / cpu ms requests a second; a host like this one asks for p.perSecond
    const perCore = 1000 / cpuMsPerRequest;
    report(`estimate: one PostgreSQL core serves about ${perCore.toFixed(0)} list requests/s, i.e. ${(perCore / p.perSecond).toFixed(1)} hosts like this one (${p.perSecond.toFixed(0)} req/s each) per database core`);
    report(`load average at the end: ${load()}`);
  } finally {
    await Promise.all(servers.map((x) => x.stop()));
    await cluster.stop();
  }
}

await main();
