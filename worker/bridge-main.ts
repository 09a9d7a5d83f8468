/**
 * The engine bridge process: forked by the master like the job runner (heartbeat, restart with
 * backoff, kept across HUP), it keeps a pool of the engine's Python processes (src/bridge/pool.ts)
 * and answers the HTTP workers on a unix socket (src/bridge/wire.ts), so that no HTTP worker runs
 * Python and a slow extract only holds one Python process. It tells the master the engine's
 * version (asked once per start and HUP), which the master passes to every worker.
 */
import type net from 'node:net';
import { PythonPool } from '../src/bridge/pool.js';
import { serveBridge } from '../src/bridge/server.js';
import { bridgeSocketPath, bridgeTmpDir } from '../src/bridge/wire.js';
import { onMasterMessage, sendToMaster } from '../src/ipc/child-side.js';
import { mkdirBelow, prepareEngineData } from '../src/runner/engine-env.js';
import type { Settings } from '../src/settings/schema.js';
import { ChildBase } from './child-base.js';

/** The bridge process, as the master sees it: boot, reconfigure on HUP, stop. */
class BridgeProcess extends ChildBase {
  pool: PythonPool | null = null;
  server: net.Server | null = null;
  stopping = false;

  protected load(): number {
    return this.pool?.served ?? 0;
  }

  async boot(settings: Settings): Promise<void> {
    this.reconfigure(settings);
    const log = this.log as NonNullable<typeof this.log>;
    const tmp = bridgeTmpDir(settings);
    try {
      // never recreates a DATA_DIR moved away (it could not be moved back)
      mkdirBelow(settings.DATA_DIR, tmp);
      prepareEngineData(settings.ENGINE_DATA_DIR, '', settings.DATA_DIR);
      this.pool = new PythonPool(settings, log, tmp, (version, problem) => void sendToMaster({ t: 'engine', version, problem }));
      this.server = await serveBridge(bridgeSocketPath(settings), this.pool, log);
    } catch (e) {
      // not a boot failure that halts the server: the master restarts us with a backoff
      this.report(`Engine bridge cannot start: ${(e as Error).stack ?? String(e)}`);
      setTimeout(() => process.exit(1), 100);
      return;
    }
    this.pool.start();
    if (!this.stopping) {
      log.info(`Engine bridge ready on ${bridgeSocketPath(settings)}`);
      void sendToMaster({ t: 'ready' });
    }
  }

  /** HUP: heartbeat and log level (ChildBase), and new Python processes with the new settings. */
  override reconfigure(settings: Settings): void {
    super.reconfigure(settings);
    this.pool?.reconfigure(settings);
  }

  /** Stops answering, kills the Python processes, exits 0. */
  stop(): void {
    if (this.stopping) {
      return;
    }
    this.stopping = true;
    this.heartbeat.stop();
    this.pool?.close();
    this.server?.close();
    setTimeout(() => process.exit(0), 50);
  }
}

const bridge = new BridgeProcess();

onMasterMessage((m) => {
  switch (m.t) {
    case 'boot':
      bridge.boot(m.settings).catch((e) => bridge.report(String(e)));
      break;
    case 'reconfigure':
      bridge.reconfigure(m.settings);
      break;
    case 'stop':
      bridge.stop();
      break;
    case 'reopen-logs':
      bridge.log?.info('Reopening log files');
      break;
    default:
      break;
  }
});
process.on('SIGTERM', () => bridge.stop());
process.on('SIGINT', () => bridge.stop());
process.on('SIGQUIT', () => bridge.stop());
process.on('SIGHUP', () => undefined);
process.on('SIGUSR1', () => undefined);
process.on('SIGABRT', () => process.exit(1));
// The master is gone: do not leave the Python processes behind.
process.on('disconnect', () => bridge.stop());
