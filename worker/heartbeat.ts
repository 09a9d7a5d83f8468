import { send } from '../src/logging/child-logger.js';

/** Heartbeat period: often enough for the watchdog (a quarter of the timeout), at most 1 s. */
export function heartbeatPeriod(timeoutSeconds: number): number {
  return timeoutSeconds > 0 ? Math.max(100, Math.min(1000, (timeoutSeconds * 1000) / 4)) : 1000;
}

/** Sends a heartbeat from the event loop: a blocked loop or a stopped process goes silent. */
export function startHeartbeat(periodMs: number, requests: () => number): () => void {
  const beat = (): void => {
    void send({ t: 'hb', requests: requests(), rss: process.memoryUsage.rss() });
  };
  beat();
  const timer = setInterval(beat, periodMs);
  timer.unref();
  return () => clearInterval(timer);
}
