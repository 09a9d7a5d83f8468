/**
 * The systemd notify protocol (sd_notify(3)) for the master: READY=1 once the first generation
 * serves, STATUS=, RELOADING=1/READY=1 around a HUP, STOPPING=1, WATCHDOG=1 while the arbiter's
 * loop passes. Without NOTIFY_SOCKET nothing is sent or loaded. Sent from the master's own pid
 * through the unix-dgram addon (why: docs/architecture.md, "Reasons moved out of file headers").
 */
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Logger } from '../src/logging/levels.js';
import type { Arbiter, ArbiterHooks } from './arbiter.js';

/** What the arbiter tells the notifier after each pass of its loop. */
export interface ServingSnapshot {
  /** HTTP workers of the current generation that accept connections. */
  currentReady: number;
  /** HTTP workers wanted (--workers, TTIN/TTOU). */
  wanted: number;
  /** HTTP workers that accept connections, any generation (old ones serve until replaced). */
  serving: number;
  generation: number;
  /** Calculations the job runner is running (null: no runner). */
  jobs: number | null;
}

/** The part of unix-dgram we use. */
interface DgramSocket {
  send(buf: Buffer, offset: number, length: number, path: string, callback: (err?: Error) => void): void;
  on(event: 'error', fn: (e: Error) => void): void;
  close(): void;
}
interface UnixDgram {
  createSocket(type: 'unix_dgram'): DgramSocket;
}

/** The environment variables of the protocol, removed from the master's so its children never see them. */
const PROTOCOL_ENV = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'] as const;

/** How stale the arbiter's last pass may be for the master to still say it is alive (the loop passes every 250 ms). */
const LOOP_STALL_MS = 1000;

/** The microseconds of CLOCK_MONOTONIC, the clock systemd compares MONOTONIC_USEC with. */
export function monotonicUsec(): bigint {
  // process.hrtime is uv_hrtime(): CLOCK_MONOTONIC on Linux
  return process.hrtime.bigint() / 1000n;
}

/** One status line: what `systemctl status` shows under the unit. */
export function statusLine(s: ServingSnapshot, note = ''): string {
  const workers = `${s.serving} worker${s.serving === 1 ? '' : 's'} serving`;
  const jobs = s.jobs === null ? '' : `, ${s.jobs} job${s.jobs === 1 ? '' : 's'} running`;
  return `${note ? `${note}; ` : ''}${workers} (generation ${s.generation})${jobs}`;
}

/** The longest socket path the kernel takes (sun_path is 108 bytes, the last one a NUL). */
const MAX_SOCKET_PATH = 107;

/** Why NOTIFY_SOCKET cannot be what systemd gave, or null: sendto() would fail on each message, unseen. */
export function notifySocketProblem(path: string): string | null {
  if (!path.startsWith('/')) {
    return 'is not a socket path (abstract sockets are not supported)';
  }
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    return `is ${Buffer.byteLength(path)} bytes long, more than a unix socket path may be (${MAX_SOCKET_PATH})`;
  }
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'does not exist' : `cannot be reached (${code ?? (e as Error).message})`;
  }
  return st.isSocket() ? null : `is not a socket but a ${st.isDirectory() ? 'folder' : st.isFile() ? 'regular file' : 'file of another kind'}`;
}

/** Talks to systemd through NOTIFY_SOCKET. Create it with `SystemdNotifier.fromEnv()`. */
export class SystemdNotifier {
  private socket: DgramSocket | null;
  private readyOnce = false;
  /** Set by a HUP: the generation whose readiness ends the reload. */
  private reloadTo: number | null = null;
  /** A note kept in the STATUS line until the next change (reload refused or failed). */
  private note = '';
  private lastStatus = '';
  private lastPass: number | null = null;
  private watchdogTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  private constructor(
    socket: DgramSocket,
    readonly path: string,
    private readonly log: Logger,
    watchdogUsec: number,
  ) {
    this.socket = socket;
    socket.on('error', (e) => this.log.debug(`sd_notify: ${e.message}`));
    if (watchdogUsec > 0) {
      const period = Math.max(1, Math.floor(watchdogUsec / 2000));
      this.watchdogTimer = setInterval(() => this.watchdogPing(), period);
      this.watchdogTimer.unref();
    }
  }

  /**
   * The notifier for this master, or null when systemd did not ask for one (no NOTIFY_SOCKET).
   * Takes the protocol's variables out of `env` either way (sd_notify's unset_environment), so
   * that workers, the job runner and the engine do not talk to systemd as if they were the service.
   */
  static fromEnv(log: Logger, env: NodeJS.ProcessEnv = process.env): SystemdNotifier | null {
    const path = env.NOTIFY_SOCKET;
    const watchdogPid = env.WATCHDOG_PID;
    const watchdogUsec = env.WATCHDOG_USEC;
    for (const name of PROTOCOL_ENV) {
      delete env[name];
    }
    if (!path) {
      return null;
    }
    const bad = notifySocketProblem(path);
    if (bad !== null) {
      log.warning(`NOTIFY_SOCKET=${path} ${bad}: systemd will not be told when the server is ready (a Type=notify unit times out)`);
      return null;
    }
    let socket: DgramSocket;
    try {
      const unix = createRequire(import.meta.url)('unix-dgram') as UnixDgram;
      socket = unix.createSocket('unix_dgram');
    } catch (e) {
      log.error(`NOTIFY_SOCKET is set but the unix-dgram package cannot be loaded (${(e as Error).message}): run \`npm rebuild unix-dgram\`; systemd will not be told when the server is ready`);
      return null;
    }
    const usec = Number(watchdogUsec);
    const forUs = watchdogPid === undefined || Number(watchdogPid) === process.pid;
    return new SystemdNotifier(socket, path, log, forUs && Number.isFinite(usec) && usec > 0 ? usec : 0);
  }

  /** Sends one message (lines `NAME=value`); errors are logged at debug level only. */
  send(fields: string[]): void {
    if (!this.socket || fields.length === 0) {
      return;
    }
    const buf = Buffer.from(fields.join('\n'));
    try {
      this.socket.send(buf, 0, buf.length, this.path, (err) => {
        if (err) {
          this.log.debug(`sd_notify ${fields[0]}: ${err.message}`);
        }
      });
    } catch (e) {
      this.log.debug(`sd_notify ${fields[0]}: ${(e as Error).message}`);
    }
  }

  /**
   * After each pass of the arbiter's loop: READY=1 when every wanted worker of the current
   * generation accepts (first start, end of a reload), STATUS= when it changed; the pass also
   * keeps the watchdog fed.
   */
  loopPassed(s: ServingSnapshot): void {
    this.lastPass = Date.now();
    if (this.stopped) {
      return;
    }
    const allServe = s.currentReady >= s.wanted && s.wanted > 0;
    const out: string[] = [];
    if (!this.readyOnce) {
      if (!allServe) {
        this.sendStatus(s, 'starting');
        return;
      }
      this.readyOnce = true;
      out.push('READY=1', `MAINPID=${process.pid}`);
    } else if (this.reloadTo !== null) {
      if (s.generation >= this.reloadTo && allServe) {
        this.note = '';
        this.reloadTo = null;
        out.push('READY=1');
      }
    }
    const status = statusLine(s, this.note);
    if (status !== this.lastStatus || out.length > 0) {
      this.lastStatus = status;
      out.push(`STATUS=${status}`);
    }
    this.send(out);
  }

  private sendStatus(s: ServingSnapshot, note: string): void {
    const status = statusLine(s, note);
    if (status !== this.lastStatus) {
      this.lastStatus = status;
      this.send([`STATUS=${status}`]);
    }
  }

  /** A HUP was taken and a new generation is starting: RELOADING=1 until it serves. */
  reloading(toGeneration: number): void {
    if (this.stopped) {
      return;
    }
    this.reloadTo = toGeneration;
    this.note = '';
    this.send(['RELOADING=1', `MONOTONIC_USEC=${monotonicUsec()}`, `STATUS=reloading: starting generation ${toGeneration}`]);
    this.lastStatus = '';
  }

  /** The new generation failed to boot and the old one goes on serving: READY=1, and STATUS says so. */
  reloadFailed(): void {
    if (this.stopped || this.reloadTo === null) {
      return;
    }
    this.note = `reload to generation ${this.reloadTo} failed (see the log); the old workers go on`;
    this.reloadTo = null;
    this.send(['READY=1', `STATUS=${this.note}`]);
    this.lastStatus = '';
  }

  /**
   * A HUP was refused (invalid settings): systemd (notify-reload) waits for RELOADING=1 then
   * READY=1, so both are sent at once, and STATUS says the old settings stay.
   */
  reloadRefused(reason: string): void {
    if (this.stopped) {
      return;
    }
    this.note = `reload refused: ${reason}`;
    this.send(['RELOADING=1', `MONOTONIC_USEC=${monotonicUsec()}`]);
    this.send(['READY=1', `STATUS=${this.note}`]);
    this.lastStatus = '';
  }

  /** The master starts to stop (TERM, INT, QUIT, or a halt): STOPPING=1. */
  stopping(reason = 'stopping'): void {
    if (this.stopped) {
      return;
    }
    this.stopped = true;
    // WATCHDOG=1 goes on while the loop passes: a graceful stop can take --graceful-timeout
    this.send(['STOPPING=1', `STATUS=${reason}`]);
  }

  /** WATCHDOG=1, only while the arbiter's loop passes (before its first pass: while starting, which TimeoutStartSec= covers). */
  private watchdogPing(): void {
    if (this.lastPass !== null && Date.now() - this.lastPass > LOOP_STALL_MS) {
      this.log.debug('sd_notify: the master loop has not passed lately; no WATCHDOG=1');
      return;
    }
    this.send(['WATCHDOG=1']);
  }

  /** Closes the socket (the master exits). */
  close(): void {
    if (this.watchdogTimer) {
      clearInterval(this.watchdogTimer);
      this.watchdogTimer = null;
    }
    try {
      this.socket?.close();
    } catch {
      // already closed
    }
    this.socket = null;
  }
}

/** What the arbiter looks like to systemd right now. */
export function servingSnapshot(arbiter: Arbiter): ServingSnapshot {
  const children = [...arbiter.children.values()];
  const web = children.filter((c) => c.kind === 'web' && c.state === 'ready');
  const runner = children.find((c) => c.kind === 'runner' && c.state !== 'stopping');
  return {
    currentReady: web.filter((c) => c.generation === arbiter.generation && !c.recycling).length,
    wanted: arbiter.workers,
    serving: web.length,
    generation: arbiter.generation,
    // the runner's heartbeat counts its running calculations where a worker's counts requests
    jobs: runner ? runner.requests : null,
  };
}

/** The arbiter's hooks that tell systemd (main.ts passes them when NOTIFY_SOCKET is set). */
export function systemdHooks(notifier: SystemdNotifier, arbiter: () => Arbiter): ArbiterHooks {
  return {
    passed: () => notifier.loopPassed(servingSnapshot(arbiter())),
    reloading: () => notifier.reloading(arbiter().generation),
    reloaded: (ok) => {
      if (!ok) {
        notifier.reloadFailed();
      }
    },
    refused: (reason) => notifier.reloadRefused(reason),
    stopping: () => notifier.stopping(),
  };
}
