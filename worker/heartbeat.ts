import { sendToMaster } from '../src/ipc/child-side.js';

/** Heartbeat period: often enough for the watchdog (a quarter of the timeout), at most 1 s. */
export function heartbeatPeriod(timeoutSeconds: number): number {
  return timeoutSeconds > 0 ? Math.max(100, Math.min(1000, (timeoutSeconds * 1000) / 4)) : 1000;
}

/** Heartbeats from the event loop: a blocked loop or a stopped process goes silent. */
export class Heartbeat {
  private timer: NodeJS.Timeout | null = null;
  private periodMs = 0;

  /** `load` is what the beat reports as `requests` (requests served, or calculations running). */
  constructor(private readonly load: () => number) {}

  /** Beats now and then every `periodMs` (replacing the previous period). */
  start(periodMs: number): void {
    this.stop();
    this.periodMs = periodMs;
    this.beat();
    this.timer = setInterval(() => this.beat(), periodMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private beat(): void {
    void sendToMaster({ t: 'hb', requests: this.load(), rss: process.memoryUsage.rss(), period: this.periodMs });
  }
}
