/**
 * Whether the engine bridge can run the engine's Python, asked the way the bridge asks it (the
 * adapter's first line), for `oq-webui check`.
 */
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import type { Settings } from '../settings/schema.js';
import { ADAPTER, bridgeEnvironment, choosePython, pythonProblem } from './python.js';

/** What the routes that need the engine will do, in the words `check` prints. */
export type BridgeProbe = { ok: true; python: string; version: string } | { ok: false; problem: string };

const CONSEQUENCE = 'the routes that need the engine (extract, ini_defaults, available_gsims, valid, ...) will answer 503';

/** Runs the adapter with no requests: it answers its ready line and exits. */
export function probeBridge(settings: Settings, timeoutMs = 60_000): Promise<BridgeProbe> {
  const choice = choosePython(settings);
  if (!choice.ok) {
    return Promise.resolve({ ok: false, problem: `Engine bridge: ${choice.problem}; ${CONSEQUENCE}` });
  }
  return new Promise((resolve) => {
    const child = execFile(choice.python, [ADAPTER], { timeout: timeoutMs, env: bridgeEnvironment(process.env, settings, tmpdir()) }, (err, stdout) => {
      let ready: { ready?: boolean; version?: string; problem?: string } = {};
      try {
        ready = JSON.parse(stdout.split('\n')[0]) as typeof ready;
      } catch {
        // nothing readable: said below
      }
      if (ready.ready === true) {
        resolve({ ok: true, python: choice.python, version: String(ready.version) });
      } else {
        const why = ready.problem ?? (err ? `it failed (${(err as NodeJS.ErrnoException).code ?? err.message})` : 'it printed nothing');
        resolve({ ok: false, problem: `Engine bridge: ${pythonProblem(choice, `cannot import the engine: ${why}`)}; ${CONSEQUENCE}` });
      }
    });
    child.stdin?.end();
  });
}
