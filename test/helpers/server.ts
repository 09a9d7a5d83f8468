import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { askStatus, type StatusReply } from '../../master/control.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { testPostgresDatabase } from './postgres.js';

/** The oq-webui executable of this checkout. */
export const BIN = join(PACKAGE_ROOT, 'bin', 'oq-webui.js');
/** The stand-in engine (behaves like `oq engine --run`). */
export const FAKE_OQ = join(PACKAGE_ROOT, 'test', 'fixtures', 'fake-oq');

/** A free TCP port on 127.0.0.1 (bound and released; fine for tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A folder under the system temp dir, removed by `cleanup()`. */
export function tempDir(prefix = 'oq-webui-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Sleeps. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value or the time is up. */
export async function waitFor<T>(fn: () => Promise<T> | T, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) {
        return v;
      }
    } catch (e) {
      last = e;
    }
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** A real `oq-webui start` process with its own folders, port, pidfile and logs. */
export interface RunningServer {
  proc: ChildProcess;
  port: number;
  dir: string;
  pidfile: string;
  controlSocket: string;
  logDir: string;
  dataDir: string;
  /** The DATABASE it serves: the SQLite file in dataDir, or (second pass on PostgreSQL) its own database. */
  database: string;
  configFile: string;
  base: string;
  /** Everything the master and workers wrote on stderr/stdout so far. */
  output(): string;
  /** Resolves with the exit code/signal once the master exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  status(): Promise<StatusReply>;
  /** Pids of the HTTP workers that are ready. */
  readyWorkers(): Promise<number[]>;
  waitForOutput(re: RegExp, timeoutMs?: number): Promise<string>;
  signal(sig: NodeJS.Signals): void;
  /** TERM (default), wait for the exit, remove the folder. */
  stop(sig?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/** Options of startServer. */
export interface StartOptions {
  /** Extra command-line arguments for `oq-webui start`. */
  args?: string[];
  /** Extra environment. */
  env?: Record<string, string>;
  /** Written to the local settings file given with --config. */
  settings?: Record<string, unknown>;
  workers?: number;
  /** Wait until this many workers are ready (default: workers); 0 to not wait. */
  waitReady?: number;
  /** Use another bin (a copied tree). */
  bin?: string;
  dir?: string;
  /** Give the harness's own settings (bind, workers, pid, folders, config) through the environment, so `args` is the whole command line after `start`. */
  viaEnv?: boolean;
  /** Listen here instead of 127.0.0.1:PORT (unix:PATH, fd://3, [::1]:PORT); `port` and `base` still name the chosen TCP port. */
  bind?: string[];
  /** Use this TCP port instead of a free one. */
  port?: number;
  /** A data folder of the caller's (shared by several servers, test/helpers/hosts.ts): not removed by stop(). */
  dataDir?: string;
  /** Open file descriptors of this process handed to the server as its fd 3, 4, ... */
  fds?: number[];
  /** Hand `fds` over the systemd way too: LISTEN_FDS and LISTEN_PID (the server's own pid, through `sh -c exec`). */
  systemdFds?: boolean;
}

/** Starts `oq-webui start` for real on a free port with its own folders. */
export async function startServer(opts: StartOptions = {}): Promise<RunningServer> {
  const dir = opts.dir ?? tempDir();
  const port = opts.port ?? await freePort();
  const workers = opts.workers ?? 2;
  const pidfile = join(dir, 'oq-webui.pid');
  const logDir = join(dir, 'logs');
  const dataDir = opts.dataDir ?? join(dir, 'data');
  const configFile = join(dir, 'local_settings.json');
  // a test that names its database or data folder means that one (the default SQLite file there)
  const ownDatabase = opts.settings?.DATABASE !== undefined || opts.dataDir !== undefined || (opts.args ?? []).some((a) => a === '--data-dir' || a === '--database');
  const postgres = ownDatabase ? null : await testPostgresDatabase(opts.dir);
  const database = (opts.settings?.DATABASE as string | undefined) ?? postgres ?? `sqlite:${join(dataDir, 'webui.sqlite3')}`;
  writeFileSync(configFile, JSON.stringify({
    ENGINE_COMMAND: [FAKE_OQ, 'engine', '--run', '{job_ini}', '--exports', 'csv', '-p', 'export_dir={export_dir}'],
    ...(postgres === null ? {} : { DATABASE: postgres }),
    ...(opts.settings ?? {}),
  }, null, 2));
  const binds = opts.bind ?? [`127.0.0.1:${port}`];
  const own: [string, string, string][] = [
    ['--workers', 'WEB_CONCURRENCY', String(workers)], ['--pid', 'OQ_WEBUI_PIDFILE', pidfile],
    ['--log-dir', 'OQ_WEBUI_LOG_DIR', logDir], ['--data-dir', 'OQ_WEBUI_DATA_DIR', dataDir], ['--config', 'OQ_WEBUI_CONFIG', configFile],
  ];
  const args = [
    opts.bin ?? BIN, 'start',
    ...(opts.viaEnv ? [] : binds.flatMap((b) => ['--bind', b])),
    ...(opts.viaEnv ? [] : own.flatMap(([flag, , value]) => [flag, value])),
    ...(opts.args ?? []),
  ];
  const env: Record<string, string> = { ...(process.env as Record<string, string>) };
  delete env.WEB_CONCURRENCY;
  if (opts.viaEnv) {
    env.OQ_WEBUI_BIND = binds.join(',');
    for (const [, name, value] of own) {
      env[name] = value;
    }
  }
  Object.assign(env, opts.env ?? {});
  const fds = opts.fds ?? [];
  if (opts.systemdFds) {
    env.LISTEN_FDS = String(fds.length);
  }
  const stdio = ['ignore', 'pipe', 'pipe', ...fds] as ('ignore' | 'pipe' | number)[];
  const proc = opts.systemdFds
    // systemd sets LISTEN_PID to the pid of the process it execs: `exec` keeps the shell's pid
    ? spawn('sh', ['-c', 'export LISTEN_PID=$$; exec "$0" "$@"', process.execPath, ...args], { env, stdio })
    : spawn(process.execPath, args, { env, stdio });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => resolve({ code, signal }));
  });
  let done = false;
  void exited.then(() => { done = true; });
  const controlSocket = `${pidfile}.sock`;
  const base = `http://127.0.0.1:${port}`;
  const server: RunningServer = {
    proc, port, dir, pidfile, controlSocket, logDir, dataDir, database, configFile, base,
    output: () => out,
    exited,
    status: () => askStatus(controlSocket),
    async readyWorkers() {
      const s = await askStatus(controlSocket);
      return (s.children as { kind: string; pid: number; state: string }[]).filter((c) => c.kind === 'web' && c.state === 'ready').map((c) => c.pid);
    },
    waitForOutput: (re, timeoutMs = 10_000) => waitFor(() => re.exec(out)?.[0] ?? '', timeoutMs, `output matching ${re}`),
    signal: (sig) => { proc.kill(sig); },
    async stop(sig = 'SIGTERM') {
      if (!done) {
        proc.kill(sig);
      }
      const r = await Promise.race([exited, sleep(40_000).then(() => null)]);
      if (r === null) {
        proc.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
      return r ?? { code: null, signal: 'SIGKILL' as NodeJS.Signals };
    },
    fetch: (path, init) => fetch(`${base}${path}`, init),
  };
  const want = opts.waitReady ?? workers;
  if (want > 0) {
    const early = exited.then(() => { throw new Error(`server exited early:\n${out}`); });
    try {
      await Promise.race([early, waitFor(async () => {
        if (done) {
          throw new Error(`server exited early:\n${out}`);
        }
        return (await server.readyWorkers()).length >= want;
      }, 60_000 /* generous: on a busy machine (CI, helpers side by side) a boot can take a while */, `${want} ready worker(s)`)]);
    } catch (e) {
      // the caller never gets the server to stop: do not leave it running
      await server.stop('SIGKILL');
      throw e;
    }
  }
  return server;
}
