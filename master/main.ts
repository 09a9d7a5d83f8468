import { accessSync, constants, mkdirSync } from 'node:fs';
import { MasterLogs } from '../src/logging/master-logger.js';
import { packageVersion } from '../src/paths.js';
import { resolveSettings, type CliValues } from '../src/settings/load.js';
import type { Settings } from '../src/settings/schema.js';
import { Arbiter } from './arbiter.js';
import { ControlServer } from './control.js';
import { CONFIG_ERROR, START_ERROR } from '../src/ipc/protocol.js';
import { HaltServer } from './errors.js';
import { installedKinds } from './kinds.js';
import { bindAll, closeAll, type Listener } from './listeners.js';
import { Pidfile } from './pidfile.js';
import { SystemdNotifier, systemdHooks } from './sd-notify.js';
import { startupChecks } from './startup-checks.js';

/** How `oq-webui start` was called, kept to re-read the same settings on HUP. */
export interface StartRequest {
  cli: CliValues;
  configPath?: string;
}

/**
 * The master's log files, or null after one line on stderr naming the folder that cannot be
 * made or written (there is no log yet to write the reason to; same words as `oq-webui check`).
 */
function openLogs(settings: Settings): MasterLogs | null {
  for (const [name, dir] of [['LOG_DIR', settings.LOG_DIR], ['WEBUI_ACCESS_LOG_DIR', settings.WEBUI_ACCESS_LOG_DIR]] as const) {
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
    } catch (e) {
      process.stderr.write(`Error: ${name}: ${dir} cannot be created or written by this user (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})\n`);
      return null;
    }
  }
  try {
    return new MasterLogs({
      logDir: settings.LOG_DIR,
      level: settings.LOG_LEVEL,
      accessLog: settings.ACCESS_LOG,
      webuiAccessLogDir: settings.WEBUI_ACCESS_LOG_DIR,
    });
  } catch (e) {
    process.stderr.write(`Error: cannot open the log files in ${settings.LOG_DIR}: ${(e as Error).message}\n`);
    return null;
  }
}

/** `oq-webui start`: validate settings, bind, write the pidfile, then supervise until stopped. */
export async function startMaster(req: StartRequest): Promise<number> {
  const first = resolveSettings({ cli: req.cli, configPath: req.configPath });
  if (first.problems.length > 0) {
    for (const p of first.problems) {
      process.stderr.write(`Error: ${p}\n`);
    }
    return CONFIG_ERROR;
  }
  const settings = first.settings;
  const logs = openLogs(settings);
  if (!logs) {
    return START_ERROR;
  }
  const log = logs.logger;
  // before any child is forked: it takes NOTIFY_SOCKET and WATCHDOG_* out of the environment
  const notifier = SystemdNotifier.fromEnv(log);
  const pidfile = settings.PIDFILE ? new Pidfile(settings.PIDFILE) : null;
  let listeners: Listener[] = [];
  let listening = false;
  const stopAccepting = (): void => {
    if (listening) {
      listening = false;
      closeAll(listeners);
    }
  };
  let control: ControlServer | null = null;
  try {
    log.info(`Starting oq-webui ${packageVersion()}`);
    pidfile?.create(process.pid);
    await startupChecks(settings, log);
    listeners = await bindAll(settings.BIND);
    listening = true;
    for (const l of listeners) {
      log.info(`Listening at: ${l.url} (${process.pid})`);
    }
    const arbiter: Arbiter = new Arbiter({
      settings,
      listeners,
      logs,
      kinds: installedKinds(),
      reloadSettings: () => {
        const r = resolveSettings({ cli: req.cli, configPath: req.configPath });
        return { settings: r.problems.length > 0 ? null : r.settings, problems: r.problems };
      },
      stopAccepting,
      hooks: notifier ? systemdHooks(notifier, () => arbiter) : undefined,
      onExit: async () => {
        stopAccepting();
        notifier?.close();
        control?.close();
        pidfile?.unlink(process.pid);
        await logs.close();
      },
    });
    control = new ControlServer(settings.CONTROL_SOCKET, () => ({
      master: { pid: process.pid, version: packageVersion(), uptime: (Date.now() - arbiter.startedAt) / 1000, workers: arbiter.workers },
      children: [...arbiter.children.values()].map((c) => c.statusRow()),
      logs: logs.problems().map((t) => ({ ...t, since: t.since.toISOString() })),
    }));
    await control.start();
    return await arbiter.run();
  } catch (e) {
    const reason = e instanceof HaltServer ? e.reason : (e as Error).message;
    log.error(reason);
    notifier?.stopping(`failed to start: ${reason}`);
    notifier?.close();
    stopAccepting();
    control?.close();
    pidfile?.unlink(process.pid);
    await logs.close();
    return e instanceof HaltServer ? e.exitStatus : 1;
  }
}

