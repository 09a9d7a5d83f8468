/**
 * The job runner process: forked by the master like a worker (not an HTTP worker), it runs the
 * calculations so that HTTP workers never do (gem/oq-engine #2175). It heartbeats, takes new
 * settings on HUP, and on stop ends its running engines and marks their jobs failed.
 */
import type { Sequelize } from 'sequelize';
import type { Logger } from '../src/logging/levels.js';
import { APP_LOAD_ERROR } from '../master/errors.js';
import type { MasterMessage } from '../master/messages.js';
import { createChildLogger, send } from '../src/logging/child-logger.js';
import type { JobRunner } from '../src/runner/job-runner.js';
import type { Settings } from '../src/settings/schema.js';
import { heartbeatPeriod, startHeartbeat } from './heartbeat.js';

let log: Logger | null = null;
let runner: JobRunner | null = null;
let db: Sequelize | null = null;
let stopping: Promise<void> | null = null;
let stopHeartbeat = startHeartbeat(500, () => 0);

function report(text: string): void {
  if (log) {
    log.error(text);
  } else {
    process.stderr.write(`${text}\n`);
  }
}

async function boot(settings: Settings): Promise<void> {
  log = createChildLogger(settings.LOG_LEVEL);
  stopHeartbeat();
  stopHeartbeat = startHeartbeat(heartbeatPeriod(settings.TIMEOUT), () => runner?.runningIds.length ?? 0);
  let mods: [typeof import('../src/models/database.js'), typeof import('../src/models/calcs.js'), typeof import('../src/runner/job-runner.js')];
  try {
    mods = await Promise.all([import('../src/models/database.js'), import('../src/models/calcs.js'), import('../src/runner/job-runner.js')]);
  } catch (e) {
    report(`Job runner failed to load: ${(e as Error).stack ?? String(e)}`);
    setTimeout(() => process.exit(APP_LOAD_ERROR), 100);
    return;
  }
  const [{ openAppDatabase }, { initCalcModels }, { JobRunner }] = mods;
  try {
    db = (await openAppDatabase(settings.DATABASE)).sequelize;
    runner = new JobRunner(initCalcModels(db), settings, log);
    await runner.start();
  } catch (e) {
    // not a boot failure that halts the server: the master restarts us with a backoff
    report(`Job runner cannot start: ${(e as Error).stack ?? String(e)}`);
    setTimeout(() => process.exit(1), 100);
    return;
  }
  if (stopping === null) {
    log.info('Job runner ready');
    void send({ t: 'ready' });
  }
}

/** Stops the engines (their jobs fail, with a log line), closes the database, exits 0. */
function stop(): Promise<void> {
  if (stopping === null) {
    stopping = (async () => {
      stopHeartbeat();
      try {
        await runner?.stop();
        await db?.close();
      } catch (e) {
        report(`Job runner: error while stopping: ${(e as Error).stack ?? String(e)}`);
      }
      process.exit(0);
    })();
  }
  return stopping;
}

process.on('message', (m: MasterMessage) => {
  if (m.t === 'boot') {
    boot(m.settings as Settings).catch((e) => report(String(e)));
  } else if (m.t === 'stop') {
    void stop();
  } else if (m.t === 'notify') {
    if (m.what === 'settings') {
      runner?.updateSettings(m.payload as Settings);
      log?.info('Job runner: settings reloaded');
    } else if (m.what === 'created' || m.what === 'abort') {
      runner?.wake();
    }
  } else if (m.t === 'reopen-logs') {
    log?.info('Reopening log files');
  }
});
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.on('SIGQUIT', () => void stop());
process.on('SIGHUP', () => undefined);
process.on('SIGUSR1', () => undefined);
// The master is gone: stop the engines rather than leave them unsupervised.
process.on('disconnect', () => void stop());
