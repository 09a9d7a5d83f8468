import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildKindName } from '../src/ipc/protocol.js';
import { DIST_ROOT } from '../src/paths.js';
import type { Settings } from '../src/settings/schema.js';
import { HaltServer } from './errors.js';

/** A kind of child process: where its code is and how many the master keeps. */
export interface ChildKind {
  name: ChildKindName;
  /** Compiled entry point, forked afresh each time (so new code is picked up). */
  entry: string;
  /** Receives the listening sockets, counts as an HTTP worker, recycled by MAX_REQUESTS and MAX_MEMORY. */
  http: boolean;
  /** A HUP does not replace it: it joins the new generation and takes the new settings (no work is cut). */
  keptOnReload: boolean;
  /** How many to keep running. */
  wanted(settings: Settings, workers: number): number;
  /** How it is named in log lines ("Worker", "Job runner"). */
  label: string;
  /** Node options it is forked with (none by default). */
  execArgv?: string[];
  /** Arguments after the entry point (none by default). */
  args?: string[];
}

/** The HTTP workers (worker/main.ts; worker/launch.ts runs its bundle while that is current). */
export const WEB: ChildKind = {
  name: 'web',
  entry: join(DIST_ROOT, 'worker', 'launch.js'),
  // what it runs (or the bundle made from it): also what `ps` shows
  args: [join(DIST_ROOT, 'worker', 'main.js')],
  http: true,
  keptOnReload: false,
  wanted: (_s, workers) => workers,
  label: 'Worker',
  // smaller semi-spaces and a heap limit make V8 collect before growing, which keeps a loaded
  // worker within the memory target (the sizes tried and their price: docs/performance.md)
  execArgv: ['--max-semi-space-size=8', '--max-old-space-size=256'],
};

/** The job runner (worker/runner-main.ts): one process, restarted like a worker, never counted as one. */
export const RUNNER: ChildKind = {
  name: 'runner',
  entry: join(DIST_ROOT, 'worker', 'runner-main.js'),
  http: false,
  // restarting it would kill running calculations
  keptOnReload: true,
  wanted: () => 1,
  label: 'Job runner',
};

/** The engine bridge (worker/bridge-main.ts): one process keeping a pool of the engine's Python processes. */
export const BRIDGE: ChildKind = {
  name: 'bridge',
  entry: join(DIST_ROOT, 'worker', 'bridge-main.js'),
  http: false,
  // it replaces its Python processes itself on HUP, once each is idle
  keptOnReload: true,
  wanted: () => 1,
  label: 'Engine bridge',
};

/** Every kind of child; a missing entry point stops the start with its path (an incomplete build). */
export function installedKinds(kinds: ChildKind[] = [WEB, RUNNER, BRIDGE]): ChildKind[] {
  for (const k of kinds) {
    for (const file of [k.entry, ...(k.args ?? [])]) {
      if (!existsSync(file)) {
        throw new HaltServer(`${k.label} entry point ${file} is missing: build the project (npm run build)`);
      }
    }
  }
  return kinds;
}
