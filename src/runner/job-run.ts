/**
 * One claimed job, run to its end: the engine command built from ENGINE_COMMAND, its output to
 * the log, then the final status (complete with its outputs, failed with a traceback, or
 * aborted), the stop time and the folder's size.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Op } from 'sequelize';
import { folderSizeMb, scanExports } from '../calcs/outputs.js';
import { calcDir, exportDir, inputDir } from '../calcs/paths.js';
import type { Logger } from '../logging/levels.js';
import { RUNNING_STATUSES, type CalcModels, type Job, type JobStatus } from '../models/calcs.js';
import type { Settings } from '../settings/schema.js';
import { engineArgv, parseEngineLine } from './engine-log.js';
import { EngineProcess } from './engine-process.js';
import { LogWriter } from './log-writer.js';
import { describeExit, LineTail, tracebackFrom } from './traceback.js';

/** Why the runner stops an engine before it finishes. */
export type StopReason = 'abort' | 'timeout' | 'shutdown';

/** How a run ended, as written to the job. */
interface Outcome {
  status: JobStatus;
  level?: string;
  note?: string;
}

/** The final status and log line of a run stopped for `reason`. */
function stoppedOutcome(reason: StopReason, settings: Settings): Outcome {
  switch (reason) {
    case 'abort':
      return { status: 'aborted', level: 'WARNING', note: 'Calculation aborted at the user\'s request' };
    case 'timeout':
      return { status: 'failed', level: 'CRITICAL', note: `The calculation ran longer than CALC_TIMEOUT (${settings.CALC_TIMEOUT} s) and was stopped` };
    case 'shutdown':
      return { status: 'failed', level: 'CRITICAL', note: 'The server stopped while the calculation was running, so the calculation failed' };
  }
}

/** A job claimed by this runner (status `submitted` when the run starts). */
export class JobRun {
  private engine: EngineProcess | null = null;
  private reason: StopReason | null = null;
  private timer: NodeJS.Timeout | null = null;

  /** `settings` are the ones at claim time: a reload applies to the next jobs. */
  constructor(readonly id: number, private readonly models: CalcModels, private readonly settings: Settings, private readonly log: Logger) {}

  /** Whether a stop was asked already. */
  get stopping(): boolean {
    return this.reason !== null;
  }

  /** Stops the engine's process group (the first reason given wins). */
  stop(reason: StopReason): void {
    if (this.reason !== null) {
      return;
    }
    this.reason = reason;
    if (this.engine) {
      void this.engine.stop();
    }
  }

  /** Runs the job to its end. */
  async run(): Promise<void> {
    try {
      await this.execute();
    } finally {
      if (this.timer) {
        clearTimeout(this.timer);
      }
    }
  }

  private async execute(): Promise<void> {
    const { id, settings } = this;
    const logs = new LogWriter(this.models, id, (err) => this.log.error(`Job runner: cannot write the log of calculation ${id}: ${String(err)}`));
    const job = await this.models.Job.findByPk(id);
    if (job === null) {
      return;
    }
    if (job.abort_requested) {
      this.reason = 'abort';
    }
    if (this.reason !== null) {
      await this.finish(job, logs, stoppedOutcome(this.reason, settings));
      return;
    }
    const folder = calcDir(settings.DATA_DIR, id);
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
        env: this.engineEnv(folder),
        onLine: (stream, line) => {
          if (stream === 'stderr') {
            tail.push(line);
          }
          // a log writer that falls behind pauses the reading (the engine then blocks on its pipe)
          if (!logs.add(parseEngineLine(line, new Date(), stream === 'stderr' ? 'WARNING' : 'INFO')) && this.engine) {
            const e = this.engine;
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
    this.engine = engine;
    await this.models.Job.update({ status: 'executing', pid: engine.pid, start_time: new Date() }, { where: { id, status: 'submitted' } });
    this.log.info(`Calculation ${id} started (engine pid ${engine.pid})`);
    if (this.reason !== null) {
      void engine.stop();
    } else if (settings.CALC_TIMEOUT > 0) {
      this.timer = setTimeout(() => this.stop('timeout'), settings.CALC_TIMEOUT * 1000);
    }
    const exit = await engine.done;
    await logs.flush();
    if (this.reason !== null) {
      await this.finish(job, logs, stoppedOutcome(this.reason, settings));
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
  private engineEnv(folder: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, OQ_CALC_ID: String(this.id), OQ_DATADIR: folder };
    // the engine must not look like a job runner to restart recovery
    delete env.OQ_WEBUI_CHILD;
    return env;
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
}
