/**
 * Runner leases, on SQLite and on a real PostgreSQL, with runners standing for other hosts (their
 * `<host>:<pid>` identity): a runner that starts leaves the jobs of hosts whose lease holds; once a
 * host's lease expires, a live runner fails its jobs with a log line naming that host; a runner
 * whose lease was ended by another stops its engine.
 */
import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import type { Sequelize } from 'sequelize';
import winston from 'winston';
import { takeLease, leasesOn } from '../../src/data/runner-leases.js';
import type { CalcModels } from '../../src/db/models/calcs.js';
import { LEVELS, type Logger } from '../../src/logging/levels.js';
import { JobRunner } from '../../src/runner/job-runner.js';
import { LeaseKeeper } from '../../src/runner/leases.js';
import type { Settings } from '../../src/settings/schema.js';
import { alive } from '../helpers/processes.js';
import { startPostgres, TEST_POSTGRES_ENV, type PostgresCluster } from '../helpers/postgres.js';
import { tempDir, waitFor } from '../helpers/server.js';
import { createJob, jobRow, quietLogger, testDatabase, testSettings } from './support.js';

/** A logger that keeps its lines (`level message`). */
function capturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString().trim());
      done();
    },
  });
  const log = <Logger>winston.createLogger({
    levels: LEVELS,
    level: 'debug',
    format: winston.format.printf((i) => `${i.level} ${String(i.message)}`),
    transports: [new winston.transports.Stream({ stream })],
  });
  return { log, lines };
}

// on the PostgreSQL pass (test/pg/second-pass.test.ts) testDatabase gives a database of its cluster: once is enough
const DIALECTS = process.env[TEST_POSTGRES_ENV] ? ['postgres'] as const : ['sqlite', 'postgres'] as const;

for (const dialect of DIALECTS) {
  describe(`job runner leases (${dialect})`, function () {
    this.timeout(60_000);
    let cluster: PostgresCluster | null = null;
    let dir: string;
    let settings: Settings;
    let db: Sequelize;
    let models: CalcModels;
    let databases = 0;
    const runners: JobRunner[] = [];

    before(async function () {
      if (dialect === 'postgres' && !process.env[TEST_POSTGRES_ENV]) {
        this.timeout(120_000);
        cluster = await startPostgres();
      }
    });

    after(async () => {
      await cluster?.stop();
    });

    beforeEach(async () => {
      dir = tempDir('oq-leases-');
      const url = cluster === null ? undefined : await cluster.createDatabase(`leases_${++databases}`);
      // the shortest lease: renewed (and other leases looked at) every second
      settings = testSettings(dir, { RUNNER_LEASE: 3, ...(url === undefined ? {} : { DATABASE: url }) });
      ({ db, models } = await testDatabase(settings));
    });

    afterEach(async () => {
      for (const r of runners.splice(0)) {
        await r.stop();
      }
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    });

    async function startRunner(identity: string, log: Logger = quietLogger()): Promise<JobRunner> {
      const r = new JobRunner(models, settings, log, identity);
      runners.push(r);
      await r.start();
      return r;
    }

    /** A job left running by `runner`. */
    async function runningJobOf(runner: string): Promise<number> {
      const id = await createJob(models, settings, {});
      await models.Job.update({ status: 'executing', is_running: true, runner, host: runner.split(':')[0], pid: 999_999 }, { where: { id } });
      return id;
    }

    async function messages(id: number): Promise<string[]> {
      return (await models.LogLine.findAll({ where: { job_id: id }, order: [['id', 'ASC']] })).map((l) => l.message);
    }

    it('a runner that starts leaves the running jobs of another host whose lease holds', async () => {
      const theirs = await runningJobOf('hostb:4242');
      await takeLease(db, { runner: 'hostb:4242', host: 'hostb', pid: 4242 }, 600_000);
      await startRunner('hosta:1');
      const job = await jobRow(models, theirs);
      expect([job.status, job.is_running]).to.deep.equal(['executing', true]);
      expect((await leasesOn(db, 'hostb')).map((l) => l.runner)).to.deep.equal(['hostb:4242']);
    });

    it('once another host\'s lease expires, a live runner fails its jobs with a log line naming that host; jobs of hosts still answering stay', async () => {
      const dead = await runningJobOf('hostb:4242');
      const live = await runningJobOf('hostc:77');
      await takeLease(db, { runner: 'hostb:4242', host: 'hostb', pid: 4242 }, 2000);
      await takeLease(db, { runner: 'hostc:77', host: 'hostc', pid: 77 }, 600_000);
      const { log, lines } = capturingLogger();
      await startRunner('hosta:1', log);
      await waitFor(async () => (await jobRow(models, dead)).status === 'failed', 30_000, `job ${dead} failed`);
      expect((await jobRow(models, dead)).is_running).to.equal(false);
      expect((await messages(dead)).at(-1)).to.match(/^The job runner running this calculation \(hostb:4242 on host hostb\) stopped answering: its lease expired \(last renewed at [0-9T:.-]+Z\), so the calculation failed\.$/);
      const said = lines.filter((l) => l.includes('stopped answering'));
      expect(said).to.have.length(1);
      expect(said[0]).to.match(new RegExp(`^warning Job runner hostb:4242 on host hostb stopped answering \\(lease last renewed at [0-9T:.-]+Z, now expired\\): calculation ${dead} marked failed$`));
      expect((await jobRow(models, live)).status).to.equal('executing');
      expect(await leasesOn(db, 'hostb')).to.deep.equal([]);
    });

    it('a runner whose lease another host\'s runner ended (it stalled) stops its engine; the job stays failed', async () => {
      const { log, lines } = capturingLogger();
      const id = await createJob(models, settings, { fake_behaviour: 'hang' });
      await startRunner('hosta:1', log);
      await waitFor(async () => (await jobRow(models, id)).status === 'executing', 20_000, `job ${id} executing`);
      const engine = (await jobRow(models, id)).pid as number;
      expect(alive(engine)).to.equal(true);
      // host B's runner finds host A's lease expired (as if A had not renewed it in time)
      const b = new LeaseKeeper(models, 'hostb:2', () => 3000, quietLogger(), () => undefined);
      await b.start();
      try {
        await waitFor(async () => {
          await takeLease(db, { runner: 'hosta:1', host: 'hosta', pid: 1 }, -1000);
          await b.sweep();
          return (await jobRow(models, id)).status === 'failed';
        }, 20_000, `job ${id} failed by host B`);
      } finally {
        await b.stop();
      }
      await waitFor(() => !alive(engine), 20_000, 'host A\'s engine stopped');
      expect(lines.some((l) => /^error Job runner hosta:1: its lease had expired/.test(l))).to.equal(true);
      expect((await jobRow(models, id)).status).to.equal('failed');
      expect((await messages(id)).some((m) => m.startsWith('The job runner running this calculation (hosta:1 on host hosta) stopped answering'))).to.equal(true);
    });

    it('a runner restarted on this host ends the leases its dead predecessors left, and its own when it stops', async () => {
      const gone = `${hostname()}:999999`;
      await takeLease(db, { runner: gone, host: hostname(), pid: 999_999 }, 600_000);
      const self = `${hostname()}:${process.pid}`;
      const r = await startRunner(self);
      expect((await leasesOn(db, hostname())).map((l) => l.runner)).to.deep.equal([self]);
      await r.stop();
      runners.splice(runners.indexOf(r), 1);
      expect(await leasesOn(db, hostname())).to.deep.equal([]);
    });
  });
}
