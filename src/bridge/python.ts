/**
 * Which Python the engine bridge runs, with which adapter and environment. The interpreter is
 * BRIDGE_PYTHON, else the one of the venv ENGINE_COMMAND's `oq` belongs to: the `#!` line of that
 * script (what running `oq` itself would use), so one setting names the engine for both.
 */
import { accessSync, closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { PACKAGE_ROOT } from '../paths.js';
import { engineConfigFile, engineUserName } from '../runner/engine-env.js';
import type { Settings } from '../settings/schema.js';

/** The adapter shipped in the package (package.json "files"), found from dist/ and from the sources alike. */
export const ADAPTER = join(PACKAGE_ROOT, 'python', 'oq_webui_bridge.py');

/** The interpreter to run, or why there is none (a sentence naming the setting). */
export type PythonChoice = { ok: true; python: string; setting: 'BRIDGE_PYTHON' | 'ENGINE_COMMAND' } | { ok: false; problem: string };

/** Where a program would be found: itself when it has a slash, else the first match on the PATH (execvp's way; `check` asks the same). */
export function findProgram(program: string, path = process.env.PATH ?? ''): string | null {
  const candidates = program.includes('/') ? [program] : path.split(delimiter).filter((d) => isAbsolute(d)).map((d) => join(d, program));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      if (statSync(c).isFile()) {
        return c;
      }
    } catch {
      // not here
    }
  }
  return null;
}

/** The interpreter of a script's `#!` line (`#!/usr/bin/env python3` is looked up on PATH). */
function shebang(script: string): string | null {
  const buf = Buffer.alloc(256);
  let n = 0;
  try {
    const fd = openSync(script, 'r');
    n = readSync(fd, buf, 0, buf.length, 0);
    closeSync(fd);
  } catch {
    return null;
  }
  const first = buf.subarray(0, n).toString('utf8').split('\n')[0];
  if (!first.startsWith('#!')) {
    return null;
  }
  const words = first.slice(2).trim().split(/\s+/);
  const interp = words[0].endsWith('/env') ? words[1] : words[0];
  return interp && /python[\d.]*$/.test(interp) ? findProgram(interp) : null;
}

/** BRIDGE_PYTHON, else the Python of ENGINE_COMMAND's `oq`. */
export function choosePython(settings: Settings): PythonChoice {
  if (settings.BRIDGE_PYTHON) {
    const found = findProgram(settings.BRIDGE_PYTHON);
    return found
      ? { ok: true, python: found, setting: 'BRIDGE_PYTHON' }
      : { ok: false, problem: `BRIDGE_PYTHON: ${settings.BRIDGE_PYTHON} is not an executable file` };
  }
  const oq = findProgram(settings.ENGINE_COMMAND[0]);
  if (!oq) {
    return { ok: false, problem: `ENGINE_COMMAND: ${settings.ENGINE_COMMAND[0]} was not found, so the engine's Python is unknown (set BRIDGE_PYTHON, or give the full path of the engine's \`oq\`)` };
  }
  const python = shebang(oq);
  if (!python) {
    return { ok: false, problem: `ENGINE_COMMAND: ${oq} does not start with a #! line naming a Python (set BRIDGE_PYTHON to the engine's Python)` };
  }
  return { ok: true, python, setting: 'ENGINE_COMMAND' };
}

/** How a problem of the chosen Python is said: naming the setting it came from. */
export function pythonProblem(choice: Extract<PythonChoice, { ok: true }>, what: string): string {
  return choice.setting === 'BRIDGE_PYTHON'
    ? `BRIDGE_PYTHON: ${choice.python} ${what}`
    : `ENGINE_COMMAND: the engine's Python ${choice.python} (from the #! line of its oq) ${what} (or set BRIDGE_PYTHON)`;
}

/**
 * The bridge's environment: the engine's files as the runner gives them (its database, to find
 * a continuation's parent; its config; HOME), its own temp folder for the answers it writes,
 * CI=1 so that nothing calls api.openquake.org, and a user name other than `openquake`.
 */
export function bridgeEnvironment(base: NodeJS.ProcessEnv, settings: Settings, tmpDir: string): NodeJS.ProcessEnv {
  const user = engineUserName(base.USER ?? base.LOGNAME ?? '');
  const env: NodeJS.ProcessEnv = {
    ...base,
    HOME: settings.ENGINE_DATA_DIR,
    OQ_CONFIG_FILE: engineConfigFile(settings.ENGINE_DATA_DIR),
    MPLCONFIGDIR: join(settings.ENGINE_DATA_DIR, 'matplotlib'),
    TMPDIR: tmpDir,
    TZ: 'UTC',
    CI: '1',
    LOGNAME: user,
    USER: user,
    PYTHONDONTWRITEBYTECODE: '1',
  };
  delete env.OQ_WEBUI_CHILD;
  delete env.OQ_DATABASE;
  return env;
}
