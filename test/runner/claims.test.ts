/**
 * Claims from the one queue, on SQLite and on a real PostgreSQL: runners claiming at once on
 * separate connections (as the runners of several hosts do) each get different jobs, every job
 * goes to one of them, and the job records the runner and the host that took it.
 */
import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { expect } from 'chai';
import type { Sequelize } from 'sequelize';
import { claimNextJob } from '../../src/data/runner-jobs.js';
import type { CalcModels } from '../../src/db/models/calcs.js';
import { JobRunner } from '../../src/runner/job-runner.js';
import type { Settings } from '../../src/settings/schema.js';
import { startPostgres, TEST_POSTGRES_ENV, type PostgresCluster } from '../helpers/postgres.js';
import { tempDir, waitFor } from '../helpers/server.js';
import { createJob, jobRow, quietLogger, testDatabase, testSettings } from './support.js';

/** How many runners claim at once, and how many jobs they share. */
const CLAIMERS = 4;
const JOBS = 60;

// on the PostgreSQL pass (test/pg/second-pass.test.ts) testDatabase gives a database of its cluster: once is enough
const DIALECTS = process.env[TEST_POSTGRES_ENV] ? ['postgres'] as const : ['sqlite', 'postgres'] as const;

for (const dialect of DIALECTS) {
  describe(`job claims from the one queue (${dialect})`, function () {
    this.timeout(60_000);
    let cluster: PostgresCluster | null = null;
    let dir: string;
    let settings: Settings;
    let open: { db: Sequelize; models: CalcModels }[] = [];
    let databases = 0;

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
      dir = tempDir('oq-claims-');
      const url = cluster === null ? undefined : await cluster.createDatabase(`claims_${++databases}`);
      settings = testSettings(dir, url === undefined ? {} : { DATABASE: url });
      open = [await testDatabase(settings)];
    });

    afterEach(async () => {
      for (const { db } of open.splice(0)) {
        await db.close();
      }
      rmSync(dir, { recursive: true, force: true });
    });

    it(`${CLAIMERS} runners claiming at once on their own connections: each of ${JOBS} jobs goes to exactly one, which the job records`, async () => {
      const { models } = open[0];
      const ids: number[] = [];
      for (let i = 0; i < JOBS; i += 1) {
        ids.push(await createJob(models, settings, {}));
      }
      for (let i = 1; i < CLAIMERS; i += 1) {
        open.push(await testDatabase(settings));
      }
      const claimed = await Promise.all(open.map(async ({ models: m }, i) => {
        const mine: number[] = [];
        for (;;) {
          const id = await claimNextJob(m, `host${i}:${1000 + i}`, `host${i}`);
          if (id === null) {
            return mine;
          }
          mine.push(id);
        }
      }));
      const all = claimed.flat().sort((a, b) => a - b);
      expect(all, 'every job claimed once').to.deep.equal(ids);
      for (const [i, mine] of claimed.entries()) {
        for (const id of mine) {
          const job = await jobRow(models, id);
          expect([job.status, job.is_running, job.runner, job.host], `job ${id}`).to.deep.equal(['submitted', true, `host${i}:${1000 + i}`, `host${i}`]);
        }
      }
      // the claims were spread: more than one runner got jobs
      expect(claimed.filter((mine) => mine.length > 0).length).to.be.greaterThan(1);
    });

    it('takes the oldest job whose input folder is in place; one still being uploaded waits', async () => {
      const { models } = open[0];
      const uploading = await models.Job.create({ user_name: 'alice', start_time: new Date(), status: 'created' });
      const first = await createJob(models, settings, {});
      const second = await createJob(models, settings, {});
      const taken = [await claimNextJob(models, 'a:1', 'a'), await claimNextJob(models, 'a:1', 'a'), await claimNextJob(models, 'a:1', 'a')];
      expect(taken).to.deep.equal([first, second, null]);
      expect((await jobRow(models, uploading.id)).status).to.equal('created');
    });

    if (dialect === 'postgres') {
      it('a claim never waits for a job another host is taking: it takes the next one (SKIP LOCKED), and the first stays queued', async () => {
        const { models } = open[0];
        const first = await createJob(models, settings, {});
        const second = await createJob(models, settings, {});
        const other = await testDatabase(settings);
        open.push(other);
        // another host's claim of `first`, caught between its lock and its commit
        const t = await other.db.transaction();
        try {
          await other.models.Job.findOne({ where: { id: first }, lock: true, transaction: t });
          expect(await claimNextJob(models, 'a:1', 'a')).to.equal(second);
        } finally {
          await t.rollback();
        }
        expect(await claimNextJob(models, 'a:1', 'a')).to.equal(first);
      });
    }

    it('a job run by the runner says where it ran: host is the machine\'s name, as the original engine writes it', async () => {
      const { models } = open[0];
      const id = await createJob(models, settings, { fake_duration: '0.05' });
      const runner = new JobRunner(models, settings, quietLogger());
      await runner.start();
      try {
        await waitFor(async () => (await jobRow(models, id)).status === 'complete', 20_000, `job ${id} complete`);
      } finally {
        await runner.stop();
      }
      const job = await jobRow(models, id);
      expect(job.host).to.equal(hostname());
      expect(job.runner).to.equal(`${hostname()}:${process.pid}`);
    });
  });
}
