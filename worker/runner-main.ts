/**
 * The job runner process: forked by the master like a worker (not an HTTP worker), it runs the
 * calculations so that HTTP workers never do (gem/oq-engine #2175). It heartbeats, takes new
 * settings on HUP, and on stop ends its running engines and marks their jobs failed.
 */
import type { Sequelize } from 'sequelize';
import { onMasterMessage, sendToMaster } from '../src/ipc/child-side.js';
import { APP_LOAD_ERROR } from '../src/ipc/protocol.js';
import type { JobRunner } from '../src/runner/job-runner.js';
import type { Settings } from '../src/settings/schema.js';
import { ChildBase } from './child-base.js';

/** The job runner process, as the master sees it: boot, reconfigure on HUP, wake on notice, stop. */
class RunnerProcess extends ChildBase {
  runner: JobRunner | null = null;
  db: Sequelize | null = null;
  stopping: Promise<void> | null = null;

  protected load(): number {
    return this.runner?.runningIds.length ?? 0;
  }

  async boot(settings: Settings): Promise<void> {
    this.reconfigure(settings);
    let mods: [typeof import('../src/db/database.js'), typeof import('../src/db/models/calcs.js'), typeof import('../src/runner/job-runner.js')];
    try {
      mods = await Promise.all([import('../src/db/database.js'), import('../src/db/models/calcs.js'), import('../src/runner/job-runner.js')]);
    } catch (e) {
      this.report(`Job runner failed to load: ${(e as Error).stack ?? String(e)}`);
      setTimeout(() => process.exit(APP_LOAD_ERROR), 100);
      return;
    }
    const [{ openAppDatabase }, { initCalcModels }, { JobRunner }] = mods;
    try {
      this.db = (await openAppDatabase(settings.DATABASE)).sequelize;
      // the settings of the latest reconfigure (a HUP may have come while the database opened)
      this.runner = new JobRunner(initCalcModels(this.db), this.settings ?? settings, this.log as NonNullable<typeof this.log>);
      await this.runner.start();
    } catch (e) {
      // not a boot failure that halts the server: the master restarts us with a backoff
      this.report(`Job runner cannot start: ${(e as Error).stack ?? String(e)}`);
      setTimeout(() => process.exit(1), 100);
      return;
    }
    if (this.stopping === null) {
      this.log?.info('Job runner ready');
      void sendToMaster({ t: 'ready' });
    }
  }

  /** HUP: the heartbeat period and log level (ChildBase), and the runner's own settings (limits, engine command). */
  override reconfigure(settings: Settings): void {
    const booted = this.settings !== null;
    super.reconfigure(settings);
    this.runner?.updateSettings(settings);
    if (booted) {
      this.log?.info('Job runner: settings reloaded');
    }
  }

  /** Stops the engines (their jobs fail, with a log line), closes the database, exits 0. */
  stop(): Promise<void> {
    if (this.stopping === null) {
      this.stopping = (async () => {
        this.heartbeat.stop();
        try {
          await this.runner?.stop();
          await this.db?.close();
        } catch (e) {
          this.report(`Job runner: error while stopping: ${(e as Error).stack ?? String(e)}`);
        }
        process.exit(0);
      })();
    }
    return this.stopping;
  }
}

const runnerProcess = new RunnerProcess();

onMasterMessage((m) => {
  switch (m.t) {
    case 'boot':
      runnerProcess.boot(m.settings).catch((e) => runnerProcess.report(String(e)));
      break;
    case 'reconfigure':
      runnerProcess.reconfigure(m.settings);
      break;
    case 'stop':
      void runnerProcess.stop();
      break;
    case 'notify':
      runnerProcess.runner?.wake();
      break;
    case 'reopen-logs':
      runnerProcess.log?.info('Reopening log files');
      break;
    case 'listen':
      break;
  }
});
process.on('SIGTERM', () => void runnerProcess.stop());
process.on('SIGINT', () => void runnerProcess.stop());
process.on('SIGQUIT', () => void runnerProcess.stop());
process.on('SIGHUP', () => undefined);
process.on('SIGUSR1', () => undefined);
// The master is gone: stop the engines rather than leave them unsupervised.
process.on('disconnect', () => void runnerProcess.stop());
