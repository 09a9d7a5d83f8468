import type { ChildMessage, EngineInfo, MasterMessage } from '../src/ipc/protocol.js';
import type { MasterLogs } from '../src/logging/master-logger.js';
import type { Settings } from '../src/settings/schema.js';
import type { Child } from './child.js';

/** What the master's message handling needs of the arbiter. */
export interface MessageHost {
  readonly settings: Settings;
  readonly children: Map<number, Child>;
  readonly logs: MasterLogs;
  /** What the engine bridge last said of the engine (null: nothing yet). */
  engine: EngineInfo | null;
  wakeup(): void;
  recycle(child: Child, reason: string): void;
  broadcast(msg: MasterMessage): void;
}

/**
 * max_memory: an HTTP worker over the limit is recycled, but only once it has served a request:
 * a limit below what a fresh worker needs would otherwise replace workers in a loop.
 */
function checkMemory(host: MessageHost, child: Child): void {
  const limit = host.settings.MAX_MEMORY * 1024 * 1024;
  if (limit > 0 && child.kind === 'web' && child.rss > limit && child.requests > 0 && !child.recycling && child.state === 'ready') {
    host.recycle(child, `memory ${Math.round(child.rss / 1048576)} MiB over max-memory ${host.settings.MAX_MEMORY} MiB`);
  }
}

/** One message from a child: heartbeats, readiness, recycling, log lines, notices for other children, the engine's version. */
export function onChildMessage(host: MessageHost, child: Child, m: ChildMessage): void {
  switch (m.t) {
    case 'hb':
      child.lastBeat = Date.now();
      child.requests = m.requests;
      child.rss = m.rss;
      child.beatPeriod = m.period;
      checkMemory(host, child);
      break;
    case 'ready':
      child.state = child.state === 'stopping' ? 'stopping' : 'ready';
      host.wakeup();
      break;
    case 'recycle':
      host.recycle(child, m.reason);
      break;
    case 'log':
      host.logs.forward(m);
      break;
    case 'lines':
      host.logs.appendLines(m.file, m.text);
      break;
    case 'notify':
      for (const c of host.children.values()) {
        if (c.kind === m.to && c !== child) {
          c.send({ t: 'notify', what: m.what, payload: m.payload });
        }
      }
      break;
    case 'engine':
      // one answer for every worker (issue 17 item 4): the master keeps it and hands it to each new child
      host.engine = { version: m.version, problem: m.problem };
      host.broadcast({ t: 'engine', ...host.engine });
      break;
  }
}
