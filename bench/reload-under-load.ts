/** Five HUPs during a 10 s load: how many requests failed (target 0). */
import { startServer } from '../test/helpers/server.js';
import { atTimes, report, wrk } from './lib.js';

/** The figures of the reload benchmark. */
export interface ReloadFigures {
  requests: number;
  failed: number;
  reloads: number;
}

export async function hupsUnderLoad(seconds = 10, hups = 5): Promise<ReloadFigures> {
  const server = await startServer({ workers: 2, settings: { LOG_LEVEL: 'warning' } });
  try {
    const load = wrk(`${server.base}/v1/engine_version`, seconds);
    const every = (seconds * 1000) / hups;
    await atTimes(Array.from({ length: hups }, (_, i) => every / 2 + i * every), () => server.signal('SIGHUP'));
    const r = await load;
    // each reload is a new generation of workers
    const generations = ((await server.status()).children as { kind: string; generation: number }[]).filter((c) => c.kind === 'web').map((c) => c.generation);
    const reloads = Math.max(...generations) - 1;
    report(`  ${r.requests} requests, ${r.perSecond.toFixed(0)} req/s; ${r.detail}`);
    return { requests: r.requests, failed: r.failed, reloads };
  } finally {
    await server.stop();
  }
}
