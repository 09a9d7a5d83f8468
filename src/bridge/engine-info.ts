/**
 * What this process knows of the engine, as the master passes it on from the engine bridge
 * (asked once per start and HUP, the same answer for every worker: issue 17 item 4).
 */
import type { EngineInfo } from '../ipc/protocol.js';

let current: EngineInfo | null = null;
const waiting = new Set<(info: EngineInfo) => void>();

/** Takes the master's latest word (worker/main.ts, on an `engine` message). */
export function setEngineInfo(info: EngineInfo): void {
  current = info;
  for (const w of waiting) {
    w(info);
  }
  waiting.clear();
}

/**
 * The engine's version; before the bridge first answered, waits for it up to `maxWaitMs`
 * (its first start), then `unknown`, as when the engine cannot be run.
 */
export async function engineVersionNow(maxWaitMs: number): Promise<string> {
  const info = current ?? await new Promise<EngineInfo | null>((resolve) => {
    const timer = setTimeout(() => {
      waiting.delete(done);
      resolve(null);
    }, maxWaitMs);
    const done = (i: EngineInfo): void => {
      clearTimeout(timer);
      resolve(i);
    };
    waiting.add(done);
  });
  return info?.version ?? 'unknown';
}
