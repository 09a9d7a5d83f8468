import type { ChildProcess } from 'node:child_process';
import { STOP_RANK, type ChildKindName, type MasterMessage, type StopMode } from '../src/ipc/protocol.js';

/** Where a child is in its life, as `oq-webui status` shows it. */
export type ChildState = 'booting' | 'ready' | 'stopping';

/** One supervised process and what the master knows of it. */
export class Child {
  state: ChildState = 'booting';
  readonly startedAt = Date.now();
  lastBeat = Date.now();
  requests = 0;
  rss = 0;
  /** The heartbeat period the child said it keeps (ms): it follows TIMEOUT, also across a HUP. */
  beatPeriod = 0;
  /** Set when the watchdog sent SIGABRT; the next pass sends SIGKILL. */
  abortedAt: number | null = null;
  /** Set when the master asked it to stop; SIGKILL after the graceful timeout. */
  stopDeadline: number | null = null;
  /** How it was asked to stop (null: not asked). */
  stopMode: StopMode | null = null;
  /** Why it is being stopped (reload, scale down, recycle, shutdown), for the exit log. */
  stopReason: string | null = null;
  /** Requests after which it asks to be recycled (0 = never), jitter included. */
  maxRequests = 0;
  /** True once it asked to be recycled (max requests, max memory). */
  recycling = false;

  constructor(readonly kind: ChildKindName, readonly proc: ChildProcess, public generation: number) {}

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  /** How its end is logged, gunicorn's way; an error unless it was asked to stop and did. */
  exitLine(label: string, code: number | null, signal: NodeJS.Signals | null, expected: boolean): { error: boolean; line: string } {
    if (signal) {
      const oom = signal === 'SIGKILL' && this.abortedAt === null && this.stopDeadline !== Infinity ? ' Perhaps out of memory?' : '';
      return { error: !expected || signal === 'SIGKILL', line: `${label} (pid:${this.pid}) was sent ${signal}!${oom}` };
    }
    if (code !== 0) {
      return { error: true, line: `${label} (pid:${this.pid}) exited with code ${code}.` };
    }
    return { error: false, line: `${label} exiting (pid: ${this.pid})${this.stopReason ? ` (${this.stopReason})` : ''}` };
  }

  /** Its row in `oq-webui status`. */
  statusRow(now = Date.now()): object {
    return {
      kind: this.kind,
      pid: this.pid,
      age: Math.round((now - this.startedAt) / 100) / 10,
      requests: this.requests,
      heartbeat: Math.round((now - this.lastBeat) / 100) / 10,
      heartbeat_period: this.beatPeriod / 1000,
      rss: this.rss,
      state: this.recycling && this.state !== 'stopping' ? 'recycling' : this.state,
      generation: this.generation,
      max_requests: this.maxRequests,
    };
  }

  /**
   * Asks it to stop in `mode` (a stop is only ever made stronger); it is killed if still there
   * `graceMs` later. Drain is a message only (the server goes on); graceful and quick add TERM/QUIT.
   */
  askToStop(mode: StopMode, reason: string, graceMs: number): void {
    if (this.stopMode !== null && STOP_RANK[this.stopMode] >= STOP_RANK[mode]) {
      return;
    }
    this.state = 'stopping';
    this.stopMode = mode;
    this.stopReason = this.stopReason ?? reason;
    this.stopDeadline = Math.min(this.stopDeadline ?? Infinity, Date.now() + graceMs);
    this.send({ t: 'stop', mode });
    if (mode !== 'drain' || !this.proc.connected) {
      this.signal(mode === 'quick' ? 'SIGQUIT' : 'SIGTERM');
    }
  }

  /** Sends a signal, ignoring a process that is already gone. */
  signal(sig: NodeJS.Signals): void {
    try {
      this.proc.kill(sig);
    } catch {
      // already exited: the exit handler will reap it
    }
  }

  /** Sends an IPC message if the channel is still open. */
  send(msg: MasterMessage, handle?: object): void {
    if (this.proc.connected) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- child_process types do not list raw libuv handles
      this.proc.send(msg, handle as any, { keepOpen: true }, () => undefined);
    }
  }
}
