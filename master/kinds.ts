import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DIST_ROOT } from '../src/paths.js';
import type { Settings } from '../src/settings/schema.js';
import type { ChildKindName } from './child.js';

/** A kind of child process: where its code is and how many the master keeps. */
export interface ChildKind {
  name: ChildKindName;
  /** Compiled entry point, forked afresh each time (so new code is picked up). */
  entry: string;
  /** Receives the listening sockets and counts as an HTTP worker. */
  http: boolean;
  /** How many to keep running. */
  wanted(settings: Settings, workers: number): number;
  /** How it is named in log lines ("Worker", "Job runner"). */
  label: string;
}

/** The HTTP workers (worker/main.ts). */
export const WEB: ChildKind = {
  name: 'web',
  entry: join(DIST_ROOT, 'worker', 'main.js'),
  http: true,
  wanted: (_s, workers) => workers,
  label: 'Worker',
};

/** The job runner (worker/runner-main.ts): one process, restarted like a worker, never counted as one. */
export const RUNNER: ChildKind = {
  name: 'runner',
  entry: join(DIST_ROOT, 'worker', 'runner-main.js'),
  http: false,
  wanted: () => 1,
  label: 'Job runner',
};

/** The kinds this installation has (the runner only once its entry point is built). */
export function installedKinds(): ChildKind[] {
  return [WEB, RUNNER].filter((k) => k === WEB || existsSync(k.entry));
}
