/**
 * The job runner: takes `created` jobs in id order (claimed with a conditional UPDATE, so two
 * runners never take the same job), runs at most MAX_CONCURRENT_JOBS engines at once, and
 * moves each job submitted → executing → complete | failed | aborted.
 */
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { Op } from 'sequelize';
import { calcDir, exportDir, inputDir } from '../calcs/paths.js';
import { folderSizeMb, scanExports } from '../calcs/outputs.js';
import type { Logger } from '../logging/levels.js';
import { RUNNING_STATUSES, type CalcModels, type Job, type JobStatus } from '../models/calcs.js';
import type { Settings } from '../settings/schema.js';
import { engineArgv, parseEngineLine } from './engine-log.js';
import { EngineProcess } from './engine-process.js';
import { LogWriter } from './log-writer.js';
import { recoverJobs, runnerIdentity } from './recovery.js';
import { removeStaleUploads } from './stale-uploads.js';
import { describeExit, LineTail, tracebackFrom } from './traceback.js';

/** How often the database is polled for new jobs and abort requests (notifications come sooner). */
export const POLL_MS = 250;

/** Why the runner stopped an engine before it finished. */
type StopReason = 'abort' | 'timeout' | 'shutdown';

/** A job this runner has claimed. */
interface Running {
  id: number;
  engine: EngineProcess | null;
  reason: StopReason | null;
  timer: NodeJS.Timeout | null;
  done: Promise<void>;
}

/** How a run ended, as written to the job. */
interface Outcome {
  status: JobStatus;
  level?: string;
  note?: string;
}

/** The runner's loop; one per runner process. */
export class JobRunner {
  readonly identity = runnerIdentity();
  private readonly running = new Map<number, Running>();
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private again = false;
  private stopped = false;

  constructor(private readonly models: CalcModels, private settings: Settings, private readonly log: Logger) {}

  /** Recovers what a previous runner left, then starts polling. */
  async start(): Promise<void> {
    await recoverJobs(this.models, this.identity, this.log);
    await removeStaleUploads(this.settings.DATA_DIR);
    this.timer = setInterval(() => this.wake(), POLL_MS);
    this.wake();
  }

  /** New settings (HUP): they apply to the jobs started from now on. */
  updateSettings(settings: Settings): void {
    this.settings = settings;
    this.wake();
  }

  /** Looks for work now (a job was created, an abort was requested). */
  wake(): void {
    if (this.stopped) {
      return;
    }
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    void this.tick().finally(() => {
      this.ticking = false;
    });
  }

  /** Ids of the jobs running now. */
  get runningIds(): number[] {
    return [...this.running.keys()];
  }

  private async tick(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.checkAborts();
        await this.claimJobs();
      } catch (err) {
        this.log.error(`Job runner: ${(err as Error).stack ?? String(err)}`);
      }
    } while (this.again && !this.stopped);
  }

  /** Stops the engines whose abort was requested in the database. */
  private async checkAborts(): Promise<void> {
    const ids = [...this.running.values()].filter((r) => r.reason === null).map((r) => r.id);
    if (ids.length === 0) {
      return;
    }
    const rows = await this.models.Job.findAll({ where: { id: { [Op.in]: ids }, abort_requested: true }, attributes: ['id'] });
    for (const row of rows) {
      const entry = this.running.get(row.id);
      if (entry) {
        this.stopJob(entry, 'abort');
      }
    }
  }

  private async claimJobs(): Promise<void> {
    while (!this.stopped && this.running.size < this.settings.MAX_CONCURRENT_JOBS) {
      const id = await this.claimNext();
      if (id === null) {
        return;
      }
      if (this.stopped) {
        // stopping while claiming: give the job back to the queue for the next runner
        await this.models.Job.update({ status: 'created', is_running: false, runner: null }, { where: { id, status: 'submitted', runner: this.identity } });
        return;
      }
      const entry: Running = { id, engine: null, reason: null, timer: null, done: Promise.resolve() };
      this.running.set(id, entry);
      entry.done = this.execute(entry)
        .catch((err) => {
          this.log.error(`Job runner: calculation ${id}: ${(err as Error).stack ?? String(err)}`);
        })
        .finally(() => {
          if (entry.timer) {
            clearTimeout(entry.timer);
          }
          this.running.delete(id);
          this.wake();
        });
    }
  }

  /** Takes the oldest created job, atomically: the UPDATE only succeeds while it is still `created`. */
  private async claimNext(): Promise<number | null> {
    for (;;) {
      // ds_calc_dir is set once the upload's folder is in place
      const next = await this.models.Job.findOne({ where: { status: 'created', ds_calc_dir: { [Op.ne]: null } }, order: [['id', 'ASC']], attributes: ['id'] });
      if (next === null) {
        return null;
      }
      const [n] = await this.models.Job.update(
        { status: 'submitted', is_running: true, runner: this.identity, host: hostname() },
        { where: { id: next.id, status: 'created' } },
      );
      if (n === 1) {
        return next.id;
      }
    }
  }

  /** Stops one job's engine (the first reason given wins). */
  private stopJob(entry: Running, reason: StopReason): void {
    if (entry.reason !== null) {
      return;
    }
    entry.reason = reason;
    if (entry.engine) {
      void entry.engine.stop();
    }
  }

  /** Runs one claimed job to its end. */
  private async execute(entry: Running): Promise<void> {
    const { id } = entry;
    const settings = this.settings;
    const logs = new LogWriter(this.models, id, (err) => this.log.error(`Job runner: cannot write the log of calculation ${id}: ${String(err)}`));
    const job = await this.models.Job.findByPk(id);
    if (job === null) {
      return;
    }
    const folder = calcDir(settings.DATA_DIR, id);
    if (job.abort_requested) {
      entry.reason = 'abort';
    }
    if (entry.reason !== null) {
      await this.finish(job, logs, this.stoppedOutcome(entry.reason, settings));
      return;
    }
    let argv: string[];
    try {
      argv = engineArgv(settings.ENGINE_COMMAND, this.placeholders(job, folder));
    } catch (err) {
      await this.finish(job, logs, { status: 'failed', level: 'CRITICAL', note: `The ENGINE_COMMAND setting is invalid: ${(err as Error).message}` });
      return;
    }
    await mkdir(exportDir(folder), { recursive: true });
    const tail = new LineTail();
    let engine: EngineProcess;
    try {
      engine = await EngineProcess.start({
        argv,
        cwd: folder,
        env: this.engineEnv(id, folder),
        onLine: (stream, line) => {
          if (stream === 'stderr') {
            tail.push(line);
          }
          if (!logs.add(parseEngineLine(line, new Date(), stream === 'stderr' ? 'WARNING' : 'INFO')) && entry.engine) {
            const e = entry.engine;
            e.pause();
            void logs.drained().then(() => e.resume());
          }
        },
      });
    } catch (err) {
      await this.finish(job, logs, {
        status: 'failed',
        level: 'CRITICAL',
        note: [
          `Could not start the engine: ${(err as Error).message}`,
          `The ENGINE_COMMAND setting is ${JSON.stringify(settings.ENGINE_COMMAND)}; its first element must be a program that exists and can be run`,
          '(e.g. the full path of `oq` in the OpenQuake installation; see the README).',
        ].join('\n'),
      });
      return;
    }
    entry.engine = engine;
    await this.models.Job.update({ status: 'executing', pid: engine.pid, start_time: new Date() }, { where: { id, status: 'submitted' } });
    this.log.info(`Calculation ${id} started (engine pid ${engine.pid})`);
    if (entry.reason !== null) {
      void engine.stop();
    } else if (settings.CALC_TIMEOUT > 0) {
      entry.timer = setTimeout(() => this.stopJob(entry, 'timeout'), settings.CALC_TIMEOUT * 1000);
    }
    const exit = await engine.done;
    if (entry.timer) {
      clearTimeout(entry.timer);
    }
    await logs.flush();
    if (entry.reason !== null) {
      await this.finish(job, logs, this.stoppedOutcome(entry.reason, settings));
    } else if (exit.code === 0) {
      await this.complete(job, logs, folder);
    } else {
      const traceback = tracebackFrom(tail.all);
      const note = traceback.length > 0 ? traceback.join('\n') : `The engine ${describeExit(exit.code, exit.signal)} and wrote nothing on stderr`;
      await this.finish(job, logs, { status: 'failed', level: 'CRITICAL', note });
    }
    this.log.info(`Calculation ${id} ended: the engine ${describeExit(exit.code, exit.signal)}`);
  }

  /** The values of the engine command's placeholders. */
  private placeholders(job: Job, folder: string): Record<string, string> {
    return {
      job_ini: path.join(inputDir(folder), job.job_ini),
      calc_dir: folder,
      export_dir: exportDir(folder),
      calc_id: String(job.id),
      hazard_calculation_id: job.hazard_calculation_id === null ? '' : String(job.hazard_calculation_id),
    };
  }

  /** The engine's environment: ours, plus the calc id and datastore folder the engine understands. */
  private engineEnv(id: number, folder: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, OQ_CALC_ID: String(id), OQ_DATADIR: folder };
    delete env.OQ_WEBUI_CHILD;
    return env;
  }

  private stoppedOutcome(reason: StopReason, settings: Settings): Outcome {
    switch (reason) {
      case 'abort':
        return { status: 'aborted', level: 'WARNING', note: 'Calculation aborted at the user\'s request' };
      case 'timeout':
        return { status: 'failed', level: 'CRITICAL', note: `The calculation ran longer than CALC_TIMEOUT (${settings.CALC_TIMEOUT} s) and was stopped` };
      case 'shutdown':
        return { status: 'failed', level: 'CRITICAL', note: 'The server stopped while the calculation was running, so the calculation failed' };
    }
  }

  /** Exit 0: every exported file becomes an output, then the job is complete. */
  private async complete(job: Job, logs: LogWriter, folder: string): Promise<void> {
    let outputs;
    try {
      outputs = await scanExports(exportDir(folder), job.id);
    } catch (err) {
      await this.finish(job, logs, { status: 'failed', level: 'CRITICAL', note: `Cannot read the exported files: ${(err as Error).message}` });
      return;
    }
    const now = new Date();
    await this.models.Output.bulkCreate(outputs.map((o) => ({ ...o, oq_job_id: job.id, last_update: now })));
    await this.finish(job, logs, { status: 'complete' });
  }

  /** Writes the final status (only over a running status: nobody else moves a running job). */
  private async finish(job: Job, logs: LogWriter, outcome: Outcome): Promise<void> {
    if (outcome.note !== undefined) {
      logs.note(outcome.level ?? 'INFO', outcome.note);
    }
    await logs.flush();
    const size = await folderSizeMb(calcDir(this.settings.DATA_DIR, job.id)).catch(() => null);
    await this.models.Job.update(
      { status: outcome.status, is_running: false, stop_time: new Date(), size_mb: size },
      { where: { id: job.id, status: { [Op.in]: [...RUNNING_STATUSES] } } },
    );
  }

  /** Stops for good: no new jobs; running engines are stopped and their jobs fail. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
    const entries = [...this.running.values()];
    for (const entry of entries) {
      this.stopJob(entry, 'shutdown');
    }
    await Promise.all(entries.map((e) => e.done));
  }
}
