/**
 * The HTTP worker: boots the Koa application, serves on the sockets the master bound,
 * heartbeats, and stops gracefully when asked. Exit 3 = failed to boot, 4 = app failed to load.
 */
import type http from 'node:http';
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

/** Graceful: stop accepting, finish in-flight requests, flush logs, exit 0. */
function stop(graceful: boolean): void {
  if (stopping && graceful) {
    return;
  }
  stopping = true;
  if (!graceful) {
    void toMaster.flush().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 500).unref();
    return;
  }
  let open = servers.length;
  const done = (): void => {
    stopHeartbeat();
    void toMaster.flush().finally(() => process.exit(0));
  };
  if (open === 0) {
    done();
    return;
  }
  for (const server of servers) {
    server.close(() => {
      open -= 1;
      if (open === 0) {
        done();
      }
    });
    server.closeIdleConnections();
  }
  // keep-alive connections that go idle after their last response must not hold the stop up
  const sweep = setInterval(() => servers.forEach((srv) => srv.closeIdleConnections()), 100);
  sweep.unref();
}

process.on('message', (m: MasterMessage, handle?: object) => {
  if (m.t === 'boot') {
    boot(m).catch(() => undefined);
  } else if (m.t === 'listen' && handle) {
    handles[m.index] = handle;
    maybeListen();
  } else if (m.t === 'stop') {
    stop(m.graceful);
  } else if (m.t === 'reopen-logs') {
    log?.info('Reopening log files');
  }
});
process.on('SIGTERM', () => stop(true));
process.on('SIGINT', () => stop(false));
process.on('SIGQUIT', () => stop(false));
process.on('SIGHUP', () => undefined);
// The watchdog's first blow: a worker whose loop still runs leaves at once (no core dump);
// a blocked or stopped one cannot run this and gets SIGKILL on the master's next pass.
process.on('SIGABRT', () => process.exit(1));
process.on('SIGUSR1', () => undefined);
// The master is gone (killed): finish what is in flight for at most a second, then leave.
process.on('disconnect', () => {
  stop(true);
  setTimeout(() => process.exit(0), 1000).unref();
});
