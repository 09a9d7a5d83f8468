import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Settings } from '../settings/schema.js';

/** Whether `dir` is writable, or could be created (its nearest existing parent is writable); creates nothing. */
function writableDir(dir: string): boolean {
  let d = dir;
  while (!existsSync(d) && dirname(d) !== d) {
    d = dirname(d);
  }
  try {
    accessSync(d, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Problems beyond the values' own validity: folders that cannot be written, missing parts. */
export async function extraChecks(s: Settings): Promise<string[]> {
  const problems: string[] = [];
  for (const [name, dir] of [['LOG_DIR', s.LOG_DIR], ['WEBUI_ACCESS_LOG_DIR', s.WEBUI_ACCESS_LOG_DIR], ['DATA_DIR', s.DATA_DIR]] as const) {
    if (!writableDir(dir)) {
      problems.push(`${name}: ${dir} cannot be created or written by this user`);
    }
  }
  if (s.PIDFILE && !writableDir(dirname(s.PIDFILE))) {
    problems.push(`PIDFILE: the folder of ${s.PIDFILE} cannot be written`);
  }
  if (s.AUTHENTICATION_BACKENDS.includes('pam')) {
    const { pamAvailable } = await import('../auth/pam.js');
    const pam = pamAvailable();
    if (!pam.ok) {
      problems.push(`AUTHENTICATION_BACKENDS: "pam" is enabled but ${pam.reason}`);
    }
  }
  return problems;
}
