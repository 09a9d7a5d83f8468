/**
 * The job runners of two complete servers ("hosts" A and B: two masters, two ports and pidfiles)
 * on one PostgreSQL database and one shared data folder (test/helpers/hosts.ts): every job runs
 * once, on either host, never more than MAX_CONCURRENT_JOBS at once per host; uploads through
 * one host run on the other; an abort asked through one host stops the engine the other runs; a host killed outright has its job failed by the other once its lease
 * expires, and the other keeps serving; a calculation run by one host downloads from the other.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Sequelize } from 'sequelize';
import { calcDir } from '../../src/calcs/paths.js';
import { openDatabase } from '../../src/db/connection.js';
import { initCalcModels, type CalcModels } from '../../src/db/models/calcs.js';
import { getJson, postJson, submit, waitStatus } from '../calcs/support.js';
import { startHosts, type Hosts } from '../helpers/hosts.js';
import { alive } from '../helpers/processes.js';
import { waitFor, type RunningServer } from '../helpers/server.js';

/** Short, so that the killed host's job is failed within seconds; long enough that a live host on a loaded machine renews in time. */
const LEASE_S = 10;
const MAX_JOBS = 2;

/** One job row as the test reads it from the shared database. */
interface JobRow {
  id: number;
  status: string;
  runner: string;
  host: string;
  pid: number | null;
  start: number;
  stop: number;
}

describe('several hosts on one PostgreSQL: the job runners', function () {
  this.timeout(300_000);
  let h: Hosts;
  let hosts: RunningServer[];
  let db: Sequelize;
  let models: CalcModels;

  before(async function () {
    this.timeout(180_000);
    h = await startHosts({ workers: 1, settings: { RUNNER_LEASE: LEASE_S, MAX_CONCURRENT_JOBS: MAX_JOBS } });
    hosts = h.hosts;
    db = await openDatabase(h.database);
    models = initCalcModels(db);
  });

  after(async () => {
    await db?.close();
    await h?.stop();
  });

  async function jobRows(ids: number[]): Promise<JobRow[]> {
    const rows = await models.Job.findAll({ where: { id: ids }, order: [['id', 'ASC']] });
    return rows.map((r) => ({
      id: r.id, status: r.status, runner: r.runner ?? '', host: r.host ?? '', pid: r.pid ?? null,
      start: r.start_time.getTime(), stop: r.stop_time?.getTime() ?? 0,
    }));
  }

  /** The pid of a host's job runner (from its master). */
  async function runnerPid(host: RunningServer): Promise<number> {
    return waitFor(async () => {
      const s = await host.status();
      return (s.children as { kind: string; pid: number; state: string }[]).find((c) => c.kind === 'runner' && c.state === 'ready')?.pid ?? 0;
    }, 30_000, 'a ready job runner');
  }

  /** Which host runs the job (by its runner's pid), and the other one. */
  async function ownerOf(id: number): Promise<{ owner: RunningServer; other: RunningServer; row: JobRow }> {
    const row = await waitFor(async () => {
      const [r] = await jobRows([id]);
      return r.status === 'executing' && r.pid !== null ? r : undefined;
    }, 30_000, `job ${id} executing`) as JobRow;
    const pids = await Promise.all(hosts.map(runnerPid));
    const i = pids.findIndex((pid) => row.runner.endsWith(`:${pid}`));
    expect(i, `runner ${row.runner} is one of ${pids.join(', ')}`).to.be.at.least(0);
    return { owner: hosts[i], other: hosts[1 - i], row };
  }

  it('20 jobs submitted through A and B alternately each run once, both hosts run some, none stays created, at most MAX_CONCURRENT_JOBS at once per host', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      ids.push(await submit(hosts[i % 2], { fake_duration: '0.3', description: `job ${i}` }));
    }
    await waitFor(async () => (await jobRows(ids)).every((r) => r.status === 'complete'), 180_000, 'all 20 complete');
    const rows = await jobRows(ids);
    const runners = await Promise.all(hosts.map(runnerPid));
    for (const id of ids) {
      const log = (await getJson<[string, string, string, string][]>(hosts[id % 2], `/v1/calc/${id}/log/:`)).body;
      // the engine prints one `Running <job.ini>` per run
      expect(log.filter((l) => l[3].startsWith('Running ')), `job ${id} ran once`).to.have.length(1);
    }
    const byHost = runners.map((pid) => rows.filter((r) => r.runner.endsWith(`:${pid}`)));
    expect(byHost[0].length + byHost[1].length).to.equal(20);
    expect(byHost[0].length, 'host A ran some').to.be.greaterThan(0);
    expect(byHost[1].length, 'host B ran some').to.be.greaterThan(0);
    for (const mine of byHost) {
      // the runner's own clock marks start and stop: count the runs overlapping each start
      for (const r of mine) {
        const overlapping = mine.filter((o) => o.start <= r.start && r.start < o.stop).length;
        expect(overlapping, `runs at once on ${r.runner}`).to.be.at.most(MAX_JOBS);
      }
    }
  });

  it('four long jobs uploaded through A: two run on each host (B\'s runner finds A\'s uploads); an abort through the other host stops each engine', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      ids.push(await submit(hosts[0], { fake_behaviour: 'hang' }));
    }
    const owners = await Promise.all(ids.map(ownerOf));
    // MAX_CONCURRENT_JOBS (2) per host: each host runs two of them
    expect(owners.filter((o) => o.owner === hosts[0])).to.have.length(MAX_JOBS);
    expect(owners.filter((o) => o.owner === hosts[1])).to.have.length(MAX_JOBS);
    for (const { other, row } of owners) {
      expect(alive(row.pid as number)).to.equal(true);
      const res = await postJson(other, `/v1/calc/${row.id}/abort`);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
    }
    for (const { other, row } of owners) {
      await waitStatus(other, row.id, ['aborted'], 30_000);
      await waitFor(() => !alive(row.pid as number), 30_000, `the engine of job ${row.id} gone`);
    }
  });

  it('a calculation run by one host downloads through the other (its datastore, from the shared folder)', async () => {
    const id = await submit(hosts[0], { fake_duration: '0.1' });
    await waitStatus(hosts[0], id, ['complete'], 60_000);
    const [row] = await jobRows([id]);
    const pids = await Promise.all(hosts.map(runnerPid));
    const other = hosts[row.runner.endsWith(`:${pids[0]}`) ? 1 : 0];
    const res = await other.fetch(`/v1/calc/${id}/datastore`);
    expect(res.status).to.equal(200);
    const engineId = (await models.Job.findByPk(id))?.engine_calc_id;
    expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(join(calcDir(h.dataDir, id), `calc_${engineId}.hdf5`)))).to.equal(true);
  });

  it('a host killed outright (master, workers, runner): the other fails its job once the lease expired, with a log line naming it, and keeps serving', async () => {
    const id = await submit(hosts[1], { fake_behaviour: 'hang' });
    const { owner, other, row } = await ownerOf(id);
    const status = await owner.status();
    const children = (status.children as { pid: number }[]).map((c) => c.pid);
    for (const pid of [owner.proc.pid as number, ...children]) {
      process.kill(pid, 'SIGKILL');
    }
    await owner.exited;
    await waitStatus(other, id, ['failed'], 60_000);
    const log = (await getJson<[string, string, string, string][]>(other, `/v1/calc/${id}/log/:`)).body;
    const line = log.map((l) => l[3]).find((m) => m.includes('stopped answering')) ?? '';
    expect(line).to.include(`(${row.runner} on host ${row.host}) stopped answering: its lease expired`);
    // never before the lease ran out: the failure comes after the last renewal plus the lease
    const renewed = Date.parse(/last renewed at (\S+)\)/.exec(line)?.[1] ?? '');
    const [after] = await jobRows([id]);
    expect(after.stop).to.be.at.least(renewed + LEASE_S * 1000);
    const serverLog = readFileSync(join(other.logDir, 'oq-webui.log'), 'utf8');
    expect(serverLog).to.match(new RegExp(`Job runner ${row.runner} on host ${row.host} stopped answering \\(.*\\): calculation ${id} marked failed`));
    // the engine the dead host left is stopped too (same machine here)
    await waitFor(() => !alive(row.pid as number), 30_000, 'the orphan engine gone');
    // the other host keeps serving and running jobs
    const next = await submit(other, { fake_duration: '0.1' });
    await waitStatus(other, next, ['complete'], 60_000);
    expect((await getJson(other, '/v1/calc/list')).status).to.equal(200);
  });
});
