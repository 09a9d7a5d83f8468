/**
 * One claimed job, run to its end: the engine command built from ENGINE_COMMAND, its output to
 * the log, then the final status (complete, failed with a traceback, or aborted), the stop time
 * and the folder's size. The outputs are the engine's own, listed and exported on demand through
 * the engine bridge (routes/calcs/results.ts): nothing is exported at run time.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { folderSizeMb } from '../calcs/outputs.js';
import { calcDir, exportDir, inputDir } from '../calcs/paths.js';
import type { Logger } from '../logging/levels.js';
import type { CalcModels, Job, JobStatus } from '../db/models/calcs.js';
import { findJobModel, finishJob, markExecuting, setEngineCalcId } from '../data/runner-jobs.js';
import type { Settings } from '../settings/schema.js';
import { engineArgv, engineCalcIdOf, parseEngineLine, type EngineLogLine } from './engine-log.js';
import { engineEnvironment, engineTmpDir, mkdirBelow, prepareEngineData } from './engine-env.js';
import { EngineProcess } from './engine-process.js';
import { LogWriter } from './log-writer.js';
import { describeExit, LineTail, tracebackFrom } from './traceback.js';

/** Why the runner stops an engine before it finishes. */
export type StopReason = 'abort' | 'timeout' | 'shutdown' | 'lease';

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
    case 'lease':
      return { status: 'failed', level: 'CRITICAL', note: 'The job runner lost its lease (it did not renew it within RUNNER_LEASE): its engine was stopped' };
  }
}

/** A job claimed by this runner (status `submitted` when the run starts). */
export class JobRun {
  private engine: EngineProcess | null = null;
  private reason: StopReason | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The engine's own id of this calculation, once its log showed it (`#N`). */
  private engineId: number | null = null;
  /** Level given to plain lines: that of the engine line they continue (ERROR inside a traceback). */
  private plainLevel: Record<'stdout' | 'stderr', string> = { stdout: 'INFO', stderr: 'WARNING' };

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
    const job = await findJobModel(this.models, id);
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
    const parent = await this.parentEngineId(job);
    if (typeof parent === 'string') {
      await this.finish(job, logs, { status: 'failed', level: 'CRITICAL', note: parent });
      return;
    }
    let argv: string[];
    try {
      argv = engineArgv(settings.ENGINE_COMMAND, this.placeholders(job, folder, parent));
      if (parent !== null && !settings.ENGINE_COMMAND.some((a) => a.includes('{hazard_calculation_id}'))) {
        argv.push('--hc', String(parent));
      }
    } catch (err) {
      await this.finish(job, logs, { status: 'failed', level: 'CRITICAL', note: `The ENGINE_COMMAND setting is invalid: ${(err as Error).message}` });
      return;
    }
    try {
      prepareEngineData(settings.ENGINE_DATA_DIR, settings.ENGINE_CONFIG, settings.DATA_DIR);
      if (settings.ENGINE_COMMAND.some((a) => a.includes('{export_dir}'))) {
        mkdirBelow(folder, exportDir(folder));
      }
      mkdirBelow(folder, engineTmpDir(folder));
    } catch (err) {
      await this.finish(job, logs, { status: 'failed', level: 'CRITICAL', note: `Cannot prepare the engine's folders (ENGINE_DATA_DIR ${settings.ENGINE_DATA_DIR}): ${(err as Error).message}` });
      return;
    }
    const tail = new LineTail();
    let engine: EngineProcess;
    try {
      engine = await EngineProcess.start({
        argv,
        cwd: folder,
        env: engineEnvironment(process.env, { engineDataDir: settings.ENGINE_DATA_DIR, calcFolder: folder, jobId: id, owner: job.user_name }),
        onLine: (stream, line) => {
          if (stream === 'stderr') {
            tail.push(line);
          }
          const parsed = this.parse(stream, line);
          // a log writer that falls behind pauses the reading (the engine then blocks on its pipe)
          if (!logs.add(parsed) && this.engine) {
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
    await markExecuting(this.models, id, engine.pid);
    this.log.info(`Calculation ${id} started (engine pid ${engine.pid})`);
    if (this.reason !== null) {
      void engine.stop();
    } else if (settings.CALC_TIMEOUT > 0) {
      this.timer = setTimeout(() => this.stop('timeout'), settings.CALC_TIMEOUT * 1000);
    }
    const exit = await engine.done;
    await logs.flush();
    await rm(engineTmpDir(folder), { recursive: true, force: true }).catch(() => undefined);
    if (this.reason !== null) {
      await this.finish(job, logs, stoppedOutcome(this.reason, settings));
    } else if (exit.code === 0) {
      await this.finish(job, logs, { status: 'complete' });
    } else {
      const traceback = tracebackFrom(tail.all);
      const note = traceback.length > 0 ? traceback.join('\n') : `The engine ${describeExit(exit.code, exit.signal)} and wrote nothing on stderr`;
      await this.finish(job, logs, { status: 'failed', level: 'CRITICAL', note });
    }
    this.log.info(`Calculation ${id} ended: the engine ${describeExit(exit.code, exit.signal)}`);
  }

  /** The values of the engine command's placeholders ({hazard_calculation_id}: the parent's engine id). */
  private placeholders(job: Job, folder: string, parent: number | null): Record<string, string> {
    return {
      job_ini: path.join(inputDir(folder), job.job_ini),
      calc_dir: folder,
      export_dir: exportDir(folder),
      calc_id: String(job.id),
      hazard_calculation_id: parent === null ? '' : String(parent),
    };
  }

  /** The engine id of the job's parent (null: no parent), or why there is none to give `--hc`. */
  private async parentEngineId(job: Job): Promise<number | null | string> {
    if (job.hazard_calculation_id === null || job.hazard_calculation_id === undefined) {
      return null;
    }
    const parent = await findJobModel(this.models, job.hazard_calculation_id);
    if (parent === null || parent.engine_calc_id === null || parent.engine_calc_id === undefined) {
      return `The parent calculation ${job.hazard_calculation_id} has no engine calculation id (it never ran with this engine), so it cannot be continued`;
    }
    return parent.engine_calc_id;
  }

  /** One output line as a log row; records the engine's calculation id the first time it shows. */
  private parse(stream: 'stdout' | 'stderr', line: string): EngineLogLine {
    const parsed = parseEngineLine(line, new Date(), this.plainLevel[stream]);
    const plain = parsed.message === line.replace(/\r?\n$/, '').replace(/\r$/, '');
    if (!plain) {
      // an engine line: the plain lines after it (a table, a printed dict) continue it
      this.plainLevel[stream] = parsed.level;
      const engineId = engineCalcIdOf(parsed.process);
      if (engineId !== null && this.engineId === null) {
        this.engineId = engineId;
        void setEngineCalcId(this.models, this.id, engineId).catch((err) => {
          this.log.error(`Job runner: cannot record the engine id of calculation ${this.id}: ${String(err)}`);
        });
      }
      return parsed;
    }
    // Python's basic logging format (the engine before its own logging starts): LEVEL:name:message
    const basic = /^(DEBUG|INFO|WARNING|ERROR|CRITICAL):[^:\s]*:(.*)$/.exec(parsed.message);
    if (basic !== null) {
      return { ...parsed, level: basic[1], message: basic[2] };
    }
    if (parsed.message.trim() === 'Traceback (most recent call last):') {
      this.plainLevel[stream] = 'ERROR';
      return { ...parsed, level: 'ERROR' };
    }
    return parsed;
  }

  /** Writes the final status (only over a running status: nobody else moves a running job). */
  private async finish(job: Job, logs: LogWriter, outcome: Outcome): Promise<void> {
    if (outcome.note !== undefined) {
      logs.note(outcome.level ?? 'INFO', outcome.note);
    }
    await logs.flush();
    const size = await folderSizeMb(calcDir(this.settings.DATA_DIR, job.id)).catch(() => null);
    await finishJob(this.models, job.id, outcome.status, size);
  }
}
