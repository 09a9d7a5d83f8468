import { fork } from 'node:child_process';
import type { EngineInfo, MasterMessage } from '../src/ipc/protocol.js';
import type { Settings } from '../src/settings/schema.js';
import { Child } from './child.js';
import type { ChildKind } from './kinds.js';
import type { Listener } from './listeners.js';

/** What a new child is given: the settings, its generation, the sockets (HTTP workers), what the master knows of the engine. */
export interface SpawnContext {
  settings: Settings;
  generation: number;
  listeners: Listener[];
  engine: EngineInfo | null;
  /** Whether the server has been ready (its first generation): children boot despite an unusable database. */
  serving: boolean;
}

/** Requests after which an HTTP worker asks to be recycled: MAX_REQUESTS plus its jitter (0 = never, and for other kinds). */
function maxRequestsOf(kind: ChildKind, s: Settings): number {
  if (!kind.http || s.MAX_REQUESTS <= 0) {
    return 0;
  }
  const jitter = s.MAX_REQUESTS_JITTER > 0 ? Math.floor(Math.random() * (s.MAX_REQUESTS_JITTER + 1)) : 0;
  return s.MAX_REQUESTS + jitter;
}

/** Forks one child of `kind` and sends it what it boots with (settings, sockets, the engine's version). */
export function forkChild(kind: ChildKind, ctx: SpawnContext): Child {
  const maxRequests = maxRequestsOf(kind, ctx.settings);
  const proc = fork(kind.entry, kind.args ?? [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: kind.execArgv ?? [],
    env: { ...process.env, OQ_WEBUI_CHILD: kind.name },
  });
  const child = new Child(kind.name, proc, ctx.generation);
  child.maxRequests = maxRequests;
  const listeners = kind.http ? ctx.listeners : [];
  child.send({ t: 'boot', settings: ctx.settings, maxRequests, listeners: listeners.length, serving: ctx.serving });
  listeners.forEach((l, index) => child.send({ t: 'listen', index }, l.handle));
  if (ctx.engine) {
    child.send({ t: 'engine', ...ctx.engine } satisfies MasterMessage);
  }
  return child;
}
