/**
 * The HTTP worker: boots the Koa application, serves on the sockets the master bound,
 * heartbeats, and stops gracefully when asked. Exit 3 = failed to boot, 4 = app failed to load.
 */
import type http from 'node:http';
import net from 'node:net';
import { onMasterMessage, sendToMaster } from '../src/ipc/child-side.js';
import { APP_LOAD_ERROR, STOP_RANK, WORKER_BOOT_ERROR, type MasterMessage, type StopMode } from '../src/ipc/protocol.js';
import { setEngineInfo } from '../src/bridge/engine-info.js';
import { ToMaster } from '../src/logging/child-logger.js';
import { ChildBase } from './child-base.js';
import { createHttpServer } from './http-server.js';

/** One HTTP worker process, as the master sees it: boot, listen, count requests, stop. */
class Worker extends ChildBase {
  maxRequests = 0;
  expectedListeners = 0;
  requests = 0;
  /** How the worker is stopping (null: serving). */
  stopMode: StopMode | null = null;
  recycleAsked = false;
  readonly handles: object[] = [];
  readonly servers: http.Server[] = [];
  readonly toMaster = new ToMaster();
  handler: http.RequestListener | null = null;

  protected load(): number {
    return this.requests;
  }

  get stopping(): boolean {
    return this.stopMode !== null;
  }

  fail(status: number, what: string, err: unknown): never {
    this.report(`${what}: ${(err as Error)?.stack ?? String(err)}`);
    void this.toMaster.flush();
    // give the IPC pipe a moment to carry the log record, then go
    setTimeout(() => process.exit(status), 100);
    throw err;
  }

  async boot(msg: Extract<MasterMessage, { t: 'boot' }>): Promise<void> {
    this.maxRequests = msg.maxRequests;
    this.expectedListeners = msg.listeners;
    this.reconfigure(msg.settings);
    let createApp: typeof import('../src/app.js').createApp;
    try {
      ({ createApp } = await import('../src/app.js'));
    } catch (e) {
      this.fail(APP_LOAD_ERROR, 'App failed to load', e);
    }
    try {
      const app = await createApp({
        settings: msg.settings,
        log: this.log as NonNullable<typeof this.log>,
        writeLine: (file, text) => this.toMaster.line(file, text),
        notify: (to, what, payload) => void sendToMaster({ t: 'notify', to, what, payload }),
        waitForDatabase: msg.serving,
      });
      this.handler = app.callback();
    } catch (e) {
      this.fail(WORKER_BOOT_ERROR, 'Worker failed to boot', e);
    }
    this.maybeListen();
  }

  listen(index: number, handle: object): void {
    this.handles[index] = handle;
    this.maybeListen();
  }

  private afterResponse(): void {
    this.requests += 1;
    if (this.maxRequests > 0 && this.requests >= this.maxRequests && !this.recycleAsked) {
      this.recycleAsked = true;
      this.log?.info('Autorestarting worker after current request.');
      void sendToMaster({ t: 'recycle', reason: `max requests (${this.maxRequests}) reached` });
    }
  }

  /** Serves once the app is built and every socket has arrived; tells the master it is ready. */
  private maybeListen(): void {
    const { settings: s, log, handler } = this;
    if (!s || !log || !handler || this.handles.length < this.expectedListeners || this.servers.length > 0) {
      return;
    }
    let pending = this.handles.length;
    for (const handle of this.handles) {
      const server = createHttpServer(s, log, handler, {
        done: () => this.afterResponse(),
        access: s.ACCESS_LOG ? (line) => this.toMaster.line('access', line) : null,
        stopping: () => this.stopping,
      });
      server.once('error', (e) => this.fail(WORKER_BOOT_ERROR, 'Worker failed to listen', e));
      server.listen({ handle, backlog: s.BACKLOG }, () => {
        pending -= 1;
        if (pending === 0) {
          void sendToMaster({ t: 'ready' });
        }
      });
      this.servers.push(server);
    }
  }

  /** Closes every idle connection now and from now on, as each one goes idle after its last response. */
  private closeIdleNowAndLater(): void {
    this.servers.forEach((srv) => srv.closeIdleConnections());
    const sweep = setInterval(() => this.servers.forEach((srv) => srv.closeIdleConnections()), 100);
    sweep.unref();
  }

  /**
   * Stops the worker; exits 0 once every connection is gone.
   * - drain (HUP, recycling, fewer workers; the server goes on): stop accepting; every request
   *   still arriving on an open connection is served with `Connection: close`; idle keep-alive
   *   connections are left to their keep-alive timeout, which clients know from the Keep-Alive
   *   header and respect (closing them now races a client that is reusing one: it would get a reset).
   * - graceful (TERM, the server goes down): stop accepting, close idle connections now, let
   *   in-flight requests finish.
   * - quick (INT, QUIT): flush the logs and leave.
   */
  stop(mode: StopMode): void {
    if (this.stopMode !== null && STOP_RANK[mode] <= STOP_RANK[this.stopMode]) {
      return;
    }
    const first = this.stopMode === null;
    this.stopMode = mode;
    if (mode === 'quick') {
      void this.toMaster.flush().finally(() => process.exit(0));
      setTimeout(() => process.exit(0), 500).unref();
      return;
    }
    if (first) {
      const done = (): void => {
        this.heartbeat.stop();
        void this.toMaster.flush().finally(() => process.exit(0));
      };
      let open = this.servers.length;
      if (open === 0) {
        done();
        return;
      }
      for (const server of this.servers) {
        // net.Server's close, not http.Server's: the latter also cuts idle keep-alive connections
        net.Server.prototype.close.call(server, () => {
          open -= 1;
          if (open === 0) {
            done();
          }
        });
      }
    }
    if (mode === 'graceful') {
      this.closeIdleNowAndLater();
    } else {
      // a connection still idle after the keep-alive timeout was never going to be used again
      setTimeout(() => this.closeIdleNowAndLater(), ((this.settings?.KEEPALIVE ?? 0) + 1) * 1000).unref();
    }
  }
}

const worker = new Worker();

onMasterMessage((m, handle) => {
  switch (m.t) {
    case 'boot':
      worker.boot(m).catch(() => undefined);
      break;
    case 'listen':
      if (handle) {
        worker.listen(m.index, handle);
      }
      break;
    case 'reconfigure':
      // the app keeps the settings it booted with (new ones come with the next generation)
      worker.reconfigure(m.settings);
      break;
    case 'stop':
      worker.stop(m.mode);
      break;
    case 'reopen-logs':
      worker.log?.info('Reopening log files');
      break;
    case 'notify':
      break;
    case 'engine':
      setEngineInfo(m);
      break;
  }
});
process.on('SIGTERM', () => worker.stop('graceful'));
process.on('SIGINT', () => worker.stop('quick'));
process.on('SIGQUIT', () => worker.stop('quick'));
process.on('SIGHUP', () => undefined);
// The watchdog's first blow: a worker whose loop still runs leaves at once (no core dump);
// a blocked or stopped one cannot run this and gets SIGKILL on the master's next pass.
process.on('SIGABRT', () => process.exit(1));
process.on('SIGUSR1', () => undefined);
// The master is gone (killed): finish what is in flight for at most a second, then leave.
process.on('disconnect', () => {
  worker.stop('graceful');
  setTimeout(() => process.exit(0), 1000).unref();
});
