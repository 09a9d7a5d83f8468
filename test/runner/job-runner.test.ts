import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Sequelize } from 'sequelize';
import { calcDir } from '../../src/calcs/paths.js';
import type { CalcModels } from '../../src/db/models/calcs.js';
import { INT_GRACE_MS, TERM_GRACE_MS } from '../../src/runner/engine-process.js';
import { JobRunner, POLL_MS } from '../../src/runner/job-runner.js';
import type { Settings } from '../../src/settings/schema.js';
import { FAKE_OQ, sleep, tempDir, waitFor } from '../helpers/server.js';
import { alive } from '../helpers/processes.js';
import { createJob, jobRow, quietLogger, testDatabase, testSettings } from './support.js';

/** How long stopping an engine may take by the runner's own rules: SIGINT, a grace, SIGTERM, a grace, SIGKILL. */
const STOP_LADDER_MS = INT_GRACE_MS + TERM_GRACE_MS;

describe('job runner', function () {
  this.timeout(20_000);
  let dir: string;
  let settings: Settings;
  let db: Sequelize;
  let models: CalcModels;
  const runners: JobRunner[] = [];

  async function startRunner(over: Partial<Settings> = {}, database = models): Promise<JobRunner> {
    const r = new JobRunner(database, { ...settings, ...over }, quietLogger());
    runners.push(r);
    await r.start();
    return r;
  }

  async function lastCritical(id: number): Promise<string> {
    const row = await models.LogLine.findOne({ where: { job_id: id, level: 'CRITICAL' }, order: [['id', 'DESC']] });
    return row?.message ?? '';
  }

  async function messages(id: number): Promise<string[]> {
    return (await models.LogLine.findAll({ where: { job_id: id }, order: [['id', 'ASC']] })).map((l) => l.message);
  }

  async function waitStatus(id: number, status: string, ms = 10_000): Promise<void> {
    await waitFor(async () => (await jobRow(models, id)).status === status, ms, `job ${id} ${status}`);
  }

  beforeEach(async () => {
    dir = tempDir('oq-runner-');
    settings = testSettings(dir);
    ({ db, models } = await testDatabase(settings));
  });

  afterEach(async () => {
    for (const r of runners.splice(0)) {
      await r.stop();
    }
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a created job to complete, recording pid, times and log lines (no outputs: they are the engine\'s, listed on demand)', async () => {
    const id = await createJob(models, settings, { fake_duration: '0.2', description: 'Classical PSHA' });
    await startRunner();
    await waitStatus(id, 'complete');
    const job = await jobRow(models, id);
    expect(job.is_running).to.equal(false);
    expect(job.pid).to.be.a('number');
    expect(job.stop_time).to.be.instanceOf(Date);
    expect((job.stop_time as Date).getTime()).to.be.at.least(job.start_time.getTime());
    expect(job.size_mb).to.be.greaterThan(0);
    const engineId = job.engine_calc_id as number;
    expect(engineId).to.be.a('number');
    const lines = await models.LogLine.findAll({ where: { job_id: id }, order: [['id', 'ASC']] });
    const progress = lines.find((l) => /^classical +50% \[/.test(l.message));
    expect(progress?.level).to.equal('INFO');
    expect(progress?.process).to.equal(`#${engineId}`);
    expect(lines.find((l) => /fake warning/.test(l.message))?.level).to.equal('WARNING');
    // plain lines continuing an engine line (the outputs table) keep its level
    expect(lines.find((l) => l.message === '   1 | Hazard Curves')?.level).to.equal('INFO');
    // the outputs are the engine's, copied when first asked for (routes/calcs/results.ts)
    expect(await models.Output.count({ where: { oq_job_id: id } })).to.equal(0);
    expect(existsSync(join(calcDir(dir, id), `calc_${engineId}.hdf5`))).to.equal(true);
    expect(existsSync(join(calcDir(dir, id), 'tmp')), 'the run\'s temporary folder is removed').to.equal(false);
    expect(await lastCritical(id)).to.equal('');
  });

  it('keeps the engine\'s own calculation id and gives the parent\'s to --hc of a second-stage job', async () => {
    // the engine's database has numbered 40 calculations already: its ids differ from ours
    mkdirSync(settings.ENGINE_DATA_DIR, { recursive: true });
    writeFileSync(join(settings.ENGINE_DATA_DIR, 'db.sqlite3'), 'fake-oq job database\nlast_id=40\n');
    const parent = await createJob(models, settings, { fake_duration: '0.05' });
    await startRunner();
    await waitStatus(parent, 'complete');
    expect((await jobRow(models, parent)).engine_calc_id).to.equal(41);
    const child = await createJob(models, settings, { fake_duration: '0.05' });
    await models.Job.update({ hazard_calculation_id: parent }, { where: { id: child } });
    await waitStatus(child, 'complete');
    expect((await jobRow(models, child)).engine_calc_id).to.equal(42);
    const msgs = await messages(child);
    expect(msgs.some((m) => m.endsWith(' --hc=41'))).to.equal(true);
    expect(msgs).to.include('Reading from parent calculation');
    expect(existsSync(join(calcDir(dir, child), 'calc_42.hdf5'))).to.equal(true);
  });

  it('a second-stage job whose parent never ran with the engine fails saying so', async () => {
    const parent = await models.Job.create({ user_name: 'alice', start_time: new Date(), status: 'complete' });
    const child = await createJob(models, settings, {});
    await models.Job.update({ hazard_calculation_id: parent.id }, { where: { id: child } });
    await startRunner();
    await waitStatus(child, 'failed');
    expect(await lastCritical(child)).to.equal(`The parent calculation ${parent.id} has no engine calculation id (it never ran with this engine), so it cannot be continued`);
  });

  it('takes jobs in id order and never runs more than MAX_CONCURRENT_JOBS at once', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      ids.push(await createJob(models, settings, { fake_duration: '0.4' }));
    }
    await startRunner({ MAX_CONCURRENT_JOBS: 2 });
    let most = 0;
    await waitFor(async () => {
      const rows = await models.Job.findAll({ where: { id: ids } });
      most = Math.max(most, rows.filter((r) => r.is_running).length);
      return rows.every((r) => r.status === 'complete');
    }, 15_000, 'all complete');
    expect(most).to.equal(2);
    const rows = await models.Job.findAll({ where: { id: ids }, order: [['id', 'ASC']] });
    const starts = rows.map((r) => r.start_time.getTime());
    expect([...starts].sort((a, b) => a - b)).to.deep.equal(starts);
  });

  it('two runners on one database never run the same job twice', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      ids.push(await createJob(models, settings, { fake_duration: '0.05' }));
    }
    const second = await testDatabase(settings);
    try {
      await Promise.all([startRunner({ MAX_CONCURRENT_JOBS: 3 }), startRunner({ MAX_CONCURRENT_JOBS: 3 }, second.models)]);
      await waitFor(async () => (await models.Job.count({ where: { id: ids, status: 'complete' } })) === ids.length, 15_000, 'all complete');
      for (const id of ids) {
        const runs = (await messages(id)).filter((m) => m.startsWith('Running '));
        expect(runs, `job ${id}`).to.have.length(1);
      }
    } finally {
      for (const r of runners.splice(0)) {
        await r.stop();
      }
      await second.db.close();
    }
  });

  it('a failing engine fails the job, with the last stderr lines (the Python traceback) as traceback', async () => {
    const id = await createJob(models, settings, { fake_behaviour: 'fail', fake_duration: '0.05' });
    await startRunner();
    await waitStatus(id, 'failed');
    const tb = (await lastCritical(id)).split('\n');
    expect(tb[0]).to.equal('Traceback (most recent call last):');
    expect(tb[tb.length - 1]).to.equal('RuntimeError: fake failure requested by job.ini');
    expect((await jobRow(models, id)).is_running).to.equal(false);
  });

  it('a missing engine command fails the job with a traceback naming ENGINE_COMMAND', async () => {
    const id = await createJob(models, settings, {});
    await startRunner({ ENGINE_COMMAND: ['/nonexistent/oq', 'engine', '--run', '{job_ini}'] });
    await waitStatus(id, 'failed');
    const tb = await lastCritical(id);
    expect(tb).to.match(/ENOENT/);
    expect(tb).to.include('ENGINE_COMMAND');
  });

  it('writes every line of a chatty engine to the log', async () => {
    const id = await createJob(models, settings, { fake_behaviour: 'many_logs', fake_log_lines: '5000' });
    await startRunner();
    await waitStatus(id, 'complete');
    // (the first run of an engine also prints the creation of its database: those lines are not counted)
    const lines = (await models.LogLine.findAll({ where: { job_id: id }, order: [['id', 'ASC']], attributes: ['message', 'level'] }))
      .filter((l) => l.message.startsWith('fake log line '));
    expect(lines).to.have.length(5000);
    expect(lines[0].message).to.equal('fake log line 1 of 5000');
    expect(lines[2].level).to.equal('DEBUG');
    expect(lines[4999].message).to.equal('fake log line 5000 of 5000');
  });

  for (const ignoreSigint of [false, true]) {
    it(`abort stops the engine's whole process group${ignoreSigint ? ' even when it ignores SIGINT' : ''}, within its stop ladder (SIGINT, SIGTERM, SIGKILL)`, async () => {
      const id = await createJob(models, settings, { fake_behaviour: 'hang', fake_ignore_sigint: String(ignoreSigint) });
      const runner = await startRunner();
      await waitStatus(id, 'executing');
      const helper = await waitFor(async () => {
        const m = (await messages(id)).map((s) => /^Started helper process (\d+)$/.exec(s)).find(Boolean);
        return m ? Number(m[1]) : 0;
      }, 5000, 'helper pid');
      const engine = (await jobRow(models, id)).pid as number;
      await models.Job.update({ abort_requested: true }, { where: { id } });
      runner.wake();
      // bound by the ladder's own graces, five times over (the machine may be busy)
      await waitStatus(id, 'aborted', STOP_LADDER_MS * 5);
      await waitFor(() => !alive(engine) && !alive(helper), STOP_LADDER_MS * 5, 'engine and helper gone');
      expect((await jobRow(models, id)).is_running).to.equal(false);
    });
  }

  it('the database poll finds an abort request without a notification', async () => {
    const id = await createJob(models, settings, { fake_behaviour: 'hang' });
    await startRunner();
    await waitStatus(id, 'executing');
    await models.Job.update({ abort_requested: true }, { where: { id } });
    await waitStatus(id, 'aborted', (POLL_MS + STOP_LADDER_MS) * 5);
  });

  it('CALC_TIMEOUT fails a job that runs too long', async () => {
    const id = await createJob(models, settings, { fake_behaviour: 'hang' });
    await startRunner({ CALC_TIMEOUT: 1 });
    await waitStatus(id, 'failed', 5 * 1000 + STOP_LADDER_MS * 5);
    expect(await lastCritical(id)).to.match(/longer than CALC_TIMEOUT \(1 s\)/);
  });

  it('stopping the runner stops its engines and fails their jobs with a reason', async () => {
    const id = await createJob(models, settings, { fake_behaviour: 'hang' });
    const runner = await startRunner();
    await waitStatus(id, 'executing');
    const pid = (await jobRow(models, id)).pid as number;
    await runner.stop();
    expect((await jobRow(models, id)).status).to.equal('failed');
    expect(await lastCritical(id)).to.match(/server stopped while the calculation was running/);
    expect(alive(pid)).to.equal(false);
  });

  it('a job whose upload never got its folder is not run; after an hour it is failed at the next start', async () => {
    const fresh = await models.Job.create({ user_name: 'alice', start_time: new Date(), status: 'created' });
    const old = await models.Job.create({ user_name: 'alice', start_time: new Date(Date.now() - 2 * 3600 * 1000), status: 'created' });
    const runner = await startRunner();
    runner.wake();
    // a few polls of the queue later, it is still waiting for its folder
    await sleep(3 * POLL_MS);
    expect((await jobRow(models, fresh.id)).status).to.equal('created');
    expect((await jobRow(models, old.id)).status).to.equal('failed');
    expect(await lastCritical(old.id)).to.match(/upload of this calculation was interrupted/);
  });

  it('at start, jobs left running by a runner that is gone become failed; a live engine of theirs is stopped', async () => {
    const orphan = await createJob(models, settings, { fake_behaviour: 'hang' });
    const ghost = await createJob(models, settings, {});
    const engine = spawn(FAKE_OQ, ['engine', '--run', join(calcDir(dir, orphan), 'input', 'job.ini')], {
      detached: true, stdio: 'ignore', env: { ...process.env, OQ_CALC_ID: String(orphan) },
    });
    await new Promise((r) => engine.once('spawn', r));
    // a runner of this host whose pid is not a live job runner
    const gone = `${hostname()}:999999`;
    await models.Job.update({ status: 'executing', is_running: true, pid: engine.pid, runner: gone }, { where: { id: orphan } });
    await models.Job.update({ status: 'submitted', is_running: true, runner: gone }, { where: { id: ghost } });
    await startRunner();
    for (const id of [orphan, ghost]) {
      const job = await jobRow(models, id);
      expect(job.status, `job ${id}`).to.equal('failed');
      expect(job.is_running).to.equal(false);
      expect(await lastCritical(id)).to.match(/job runner stopped while the calculation was running/);
    }
    expect(await lastCritical(orphan)).to.include(`engine process (pid ${engine.pid}) was stopped`);
    await waitFor(() => engine.exitCode !== null || engine.signalCode !== null, STOP_LADDER_MS * 5, 'orphan engine killed');
  });
});
