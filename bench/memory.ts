/** Resident memory of the master (from /proc) and of each idle worker (from `status`). */
import { sleep, startServer } from '../test/helpers/server.js';
import { rssOf } from './lib.js';

/** The figures of the memory benchmark. */
export interface MemoryFigures {
  master: number;
  workers: number[];
  runner: number | null;
}

export async function memory(): Promise<MemoryFigures> {
  const server = await startServer({ workers: 2, settings: { LOG_LEVEL: 'warning' } });
  try {
    // a few requests so the workers have loaded what serving needs, then let them settle idle
    for (let i = 0; i < 20; i += 1) {
      await (await server.fetch('/v1/engine_version')).text();
    }
    await sleep(2500);
    const rows = (await server.status()).children as { kind: string; pid: number; rss: number }[];
    const master = rssOf(server.proc.pid as number);
    const workers = rows.filter((c) => c.kind === 'web').map((c) => c.rss);
    const runner = rows.find((c) => c.kind === 'runner')?.rss ?? null;
    return { master, workers, runner };
  } finally {
    await server.stop();
  }
}
