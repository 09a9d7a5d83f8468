import type { Logger } from '../src/logging/levels.js';
import type { Child } from './child.js';

/** The period of the master's loop; the watchdog's SIGKILL follows its SIGABRT one pass later. */
export const LOOP_MS = 250;
/** A pass later than this is worth a warning line (the master itself was stopped, suspended or blocked). */
const STALL_WARNING_MS = 1000;

/**
 * The hang watchdog: a child silent (no heartbeat) for longer than TIMEOUT gets SIGABRT, then
 * SIGKILL on the next pass; a child still there after its graceful-stop deadline gets SIGKILL.
 *
 * A child is only judged on its own silence. The heartbeats of a child arrive as IPC messages
 * that only a running master loop reads; while the master itself is stopped (SIGSTOP), suspended
 * or blocked, they queue in the pipe, and on resume the loop's timers run before the pipe is read.
 * So the watchdog measures the master's own lateness (the time since its last pass beyond the
 * loop period) and moves every child's clock forward by it: time the master could not watch is
 * nobody's silence.
 */
export class Watchdog {
  private lastPass = Date.now();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly log: () => Logger) {}

  /** Called first in every pass of the loop: credits the master's own stall to every child's clock. */
  pass(children: Iterable<Child>, now = Date.now()): void {
    const stall = now - this.lastPass - LOOP_MS;
    this.lastPass = now;
    if (stall <= 0) {
      return;
    }
    for (const c of children) {
      c.lastBeat = Math.min(now, c.lastBeat + stall);
    }
    if (stall >= STALL_WARNING_MS) {
      this.log().warning(`The master's loop was stalled for ${(stall / 1000).toFixed(1)} s (stopped, suspended or blocked); the children's heartbeat clocks were moved forward by as much`);
    }
  }

  /** Restarts every child's clock (a HUP that changed TIMEOUT: each child first hears of the new heartbeat period). */
  restartClocks(children: Iterable<Child>, now = Date.now()): void {
    for (const c of children) {
      c.lastBeat = Math.max(c.lastBeat, now);
    }
  }

  /**
   * Kills what must die: past its graceful deadline (SIGKILL), silent for longer than `timeoutMs`
   * (SIGABRT, then SIGKILL one pass later). `timeoutMs` 0 turns the silence check off.
   * Calls `aborted(child)` for each child it first aborts (its replacement may start at once).
   */
  check(children: Iterable<Child>, timeoutMs: number, label: (c: Child) => string, now = Date.now()): void {
    for (const c of children) {
      if (c.stopDeadline !== null && now > c.stopDeadline) {
        this.log().warning(`${label(c)} (pid:${c.pid}) still running after the graceful timeout; killing it`);
        c.stopDeadline = Infinity;
        c.signal('SIGKILL');
        continue;
      }
      if (timeoutMs <= 0 || now - c.lastBeat <= timeoutMs) {
        continue;
      }
      if (c.abortedAt === null) {
        this.log().critical(`WORKER TIMEOUT (pid:${c.pid})`);
        c.abortedAt = now;
        // no longer counted: the arbiter starts its replacement in this same pass
        c.state = 'stopping';
        c.stopReason = 'timeout';
        c.signal('SIGABRT');
      } else if (now - c.abortedAt >= LOOP_MS) {
        c.signal('SIGKILL');
      }
    }
  }

  /** Milliseconds until the first heartbeat deadline of a watched child (Infinity: none, or the watchdog is off). */
  untilNextDeadline(children: Iterable<Child>, timeoutMs: number, now = Date.now()): number {
    if (timeoutMs <= 0) {
      return Infinity;
    }
    let next = Infinity;
    for (const c of children) {
      if (c.abortedAt === null && c.state !== 'stopping') {
        next = Math.min(next, c.lastBeat + timeoutMs + 1);
      }
    }
    return next - now;
  }

  /** Wakes the loop (`tick`) right when the next heartbeat deadline falls between two passes, so a timeout is caught on time. */
  schedule(children: Iterable<Child>, timeoutMs: number, tick: () => void): void {
    const delay = this.untilNextDeadline(children, timeoutMs);
    if (delay < LOOP_MS) {
      this.unschedule();
      this.timer = setTimeout(() => {
        this.timer = null;
        tick();
      }, Math.max(0, delay));
    }
  }

  /** Drops a pending wake-up (the master is exiting). */
  unschedule(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
