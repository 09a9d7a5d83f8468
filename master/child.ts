import type { ChildProcess } from 'node:child_process';
import type { ChildKindName, MasterMessage, StopMode } from '../src/ipc/protocol.js';

/** Where a child is in its life, as `oq-webui status` shows it. */
export type ChildState = 'booting' | 'ready' | 'stopping';

/** One supervised process and what the master knows of it. */
export class Child {
  state: ChildState = 'booting';
  readonly startedAt = Date.now();
  lastBeat = Date.now();
  requests = 0;
  rss = 0;
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
