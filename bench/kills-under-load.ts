/**
 * A SIGKILLed worker every 2 s during a 10 s load: failed requests (only those the killed
 * worker's connections held should fail), and the median time from the kill to the
 * replacement accepting connections (its `ready`, seen by polling the master's status).
 */
import { startServer, sleep } from '../test/helpers/server.js';
import { atTimes, connectionsHeld, report, wrk } from './lib.js';

/** The figures of the crash benchmark. */
export interface KillFigures {
  requests: number;
  failed: number;
  kills: number;
  /** Connections the killed workers held when killed. */
  held: number;
  replaceMs: number[];
}

export async function killsUnderLoad(seconds = 10, everyMs = 2000): Promise<KillFigures> {
  const server = await startServer({ workers: 2, settings: { LOG_LEVEL: 'warning' } });
  const replaceMs: number[] = [];
  let held = 0;
  try {
    const load = wrk(`${server.base}/v1/engine_version`, seconds);
    const kills = Math.floor((seconds * 1000) / everyMs);
    const waits: Promise<void>[] = [];
    await atTimes(Array.from({ length: kills }, (_, i) => everyMs / 2 + i * everyMs), async () => {
      const before = await server.readyWorkers();
      // kill the oldest ready worker
      const victim = before[0];
      if (victim === undefined) {
        return;
      }
      held += connectionsHeld(victim, server.port);
      const t0 = Date.now();
      process.kill(victim, 'SIGKILL');
      waits.push((async () => {
        while (Date.now() - t0 < 15_000) {
          const now = await server.readyWorkers();
          if (now.some((p) => !before.includes(p))) {
            replaceMs.push(Date.now() - t0);
            return;
          }
          await sleep(10);
        }
      })());
    });
    const r = await load;
    await Promise.all(waits);
    report(`  ${r.requests} requests, ${r.perSecond.toFixed(0)} req/s; ${r.detail}`);
    report(`  kill -> replacement ready (ms): ${replaceMs.join(', ')}`);
    return { requests: r.requests, failed: r.failed, kills, held, replaceMs };
  } finally {
    await server.stop();
  }
}
