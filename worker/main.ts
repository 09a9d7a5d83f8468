/**
 * The HTTP worker: boots the Koa application, serves on the sockets the master bound,
 * heartbeats, and stops gracefully when asked. Exit 3 = failed to boot, 4 = app failed to load.
 */
import type http from 'node:http';
import net from 'node:net';
import type { Logger } from '../src/logging/levels.js';
import { APP_LOAD_ERROR, WORKER_BOOT_ERROR } from '../master/errors.js';
import type { MasterMessage } from '../master/messages.js';
import { createChildLogger, send, ToMaster } from '../src/logging/child-logger.js';
import type { Settings } from '../src/settings/schema.js';
import { heartbeatPeriod, startHeartbeat } from './heartbeat.js';
import { createHttpServer } from './http-server.js';

let settings: Settings | null = null;
let log: Logger | null = null;
let maxRequests = 0;
let expectedListeners = 0;
let requests = 0;
let stopping = false;
/** How the worker is stopping: drain (reload, recycle) < graceful (TERM) < quick (QUIT). */
type StopMode = 'drain' | 'graceful' | 'quick';
const RANK: Record<StopMode, number> = { drain: 0, graceful: 1, quick: 2 };
let stopMode: StopMode | null = null;
let recycleAsked = false;
const handles: object[] = [];
const servers: http.Server[] = [];
const toMaster = new ToMaster();
let stopHeartbeat = startHeartbeat(500, () => requests);
let handler: http.RequestListener | null = null;

function fail(status: number, what: string, err: unknown): never {
  const text = `${what}: ${(err as Error)?.stack ?? String(err)}`;
  if (log) {
    log.error(text);
  } else {
    process.stderr.write(`${text}\n`);
  }
  void toMaster.flush();
  // give the IPC pipe a moment to carry the log record, then go
  setTimeout(() => process.exit(status), 100);
  throw err;
}

async function boot(msg: Extract<MasterMessage, { t: 'boot' }>): Promise<void> {
  settings = msg.settings as Settings;
  maxRequests = msg.maxRequests;
  expectedListeners = msg.listeners;
  log = createChildLogger(settings.LOG_LEVEL);
  stopHeartbeat();
  stopHeartbeat = startHeartbeat(heartbeatPeriod(settings.TIMEOUT), () => requests);
  let createApp: typeof import('../src/app.js').createApp;
  try {
    ({ createApp } = await import('../src/app.js'));
  } catch (e) {
    fail(APP_LOAD_ERROR, 'App failed to load', e);
  }
  const s = settings;
  const appLog = log;
  try {
    const app = await createApp({
      settings: s,
      log: appLog,
      writeLine: (file, text) => toMaster.line(file, text),
      notify: (to, what, payload) => void send({ t: 'notify', to, what, payload }),
    });
    handler = app.callback();
  } catch (e) {
    fail(WORKER_BOOT_ERROR, 'Worker failed to boot', e);
  }
  maybeListen();
}

function afterResponse(): void {
  requests += 1;
  if (maxRequests > 0 && requests >= maxRequests && !recycleAsked) {
    recycleAsked = true;
    log?.info('Autorestarting worker after current request.');
    void send({ t: 'recycle', reason: `max requests (${maxRequests}) reached` });
  }
}

function maybeListen(): void {
  if (!settings || !log || !handler || handles.length < expectedListeners || servers.length > 0) {
    return;
  }
  const s = settings;
  const logger = log;
  const h = handler;
  let pending = handles.length;
  for (const handle of handles) {
    const server = createHttpServer(s, logger, h, {
      done: afterResponse,
      access: s.ACCESS_LOG ? (line) => toMaster.line('access', line) : null,
      stopping: () => stopping,
    });
    server.once('error', (e) => fail(WORKER_BOOT_ERROR, 'Worker failed to listen', e));
    server.listen({ handle, backlog: s.BACKLOG }, () => {
      pending -= 1;
      if (pending === 0) {
        void send({ t: 'ready' });
      }
    });
    servers.push(server);
  }
}

/** Closes every idle connection now and from now on, as each one goes idle after its last response. */
function closeIdleNowAndLater(): void {
  servers.forEach((srv) => srv.closeIdleConnections());
  const sweep = setInterval(() => servers.forEach((srv) => srv.closeIdleConnections()), 100);
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
function stop(mode: StopMode): void {
  if (stopMode !== null && RANK[mode] <= RANK[stopMode]) {
    return;
  }
  const first = stopMode === null;
  stopMode = mode;
  stopping = true;
  if (mode === 'quick') {
    void toMaster.flush().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 500).unref();
    return;
  }
  if (first) {
    const done = (): void => {
      stopHeartbeat();
      void toMaster.flush().finally(() => process.exit(0));
    };
    let open = servers.length;
    if (open === 0) {
      done();
      return;
    }
    for (const server of servers) {
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
    closeIdleNowAndLater();
  } else {
    // a connection still idle after the keep-alive timeout was never going to be used again
    setTimeout(closeIdleNowAndLater, ((settings?.KEEPALIVE ?? 0) + 1) * 1000).unref();
  }
}

process.on('message', (m: MasterMessage, handle?: object) => {
  if (m.t === 'boot') {
    boot(m).catch(() => undefined);
  } else if (m.t === 'listen' && handle) {
    handles[m.index] = handle;
    maybeListen();
  } else if (m.t === 'stop') {
    stop(!m.graceful ? 'quick' : m.drain ? 'drain' : 'graceful');
  } else if (m.t === 'reopen-logs') {
    log?.info('Reopening log files');
  }
});
process.on('SIGTERM', () => stop('graceful'));
process.on('SIGINT', () => stop('quick'));
process.on('SIGQUIT', () => stop('quick'));
process.on('SIGHUP', () => undefined);
// The watchdog's first blow: a worker whose loop still runs leaves at once (no core dump);
// a blocked or stopped one cannot run this and gets SIGKILL on the master's next pass.
process.on('SIGABRT', () => process.exit(1));
process.on('SIGUSR1', () => undefined);
// The master is gone (killed): finish what is in flight for at most a second, then leave.
process.on('disconnect', () => {
  stop('graceful');
  setTimeout(() => process.exit(0), 1000).unref();
});
