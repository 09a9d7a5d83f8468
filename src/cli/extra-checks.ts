/**
 * What `oq-webui check` looks at beyond the values' own validity. Each check is one function
 * of the settings giving findings: an error is something that stops `oq-webui start` (it
 * exits 1 for it), a warning something the server runs with but that will bite (calculations
 * failing, files missing). Add a check by adding a function to CHECKS.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pidAlive, readPid } from '../../master/pidfile.js';
import { findProgram } from '../bridge/python.js';
import { fileGone } from '../db/errors.js';
import { sqlitePath } from '../db/url.js';
import type { Settings } from '../settings/schema.js';
import { immutableLogFiles, logSpace, runningServerLogs } from './log-checks.js';

/** The one program lookup, shared with the engine bridge (check.ts and its test import it from here). */
export { findProgram };

/** One thing `check` found. */
export interface Finding {
  level: 'error' | 'warning';
  text: string;
}

type Check = (s: Settings) => Finding[] | Promise<Finding[]>;

const error = (text: string): Finding => ({ level: 'error', text });
const warning = (text: string): Finding => ({ level: 'warning', text });

/** Whether `dir` is writable, or could be created (its nearest existing parent is writable); creates nothing. */
function writableDir(dir: string): boolean {
  let d = dir;
  while (!existsSync(d) && dirname(d) !== d) {
    d = dirname(d);
  }
  try {
    accessSync(d, constants.W_OK);
    return statSync(d).isDirectory();
  } catch {
    return false;
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function immutable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The folders the server writes: start fails when one cannot be written or made. */
function writableFolders(s: Settings): Finding[] {
  const found: Finding[] = [];
  for (const [name, dir] of [['LOG_DIR', s.LOG_DIR], ['WEBUI_ACCESS_LOG_DIR', s.WEBUI_ACCESS_LOG_DIR], ['DATA_DIR', s.DATA_DIR]] as const) {
    if (!writableDir(dir)) {
      found.push(error(`${name}: ${dir} cannot be created or written by this user`));
    } else if (name === 'WEBUI_ACCESS_LOG_DIR' && !isDirectory(dir)) {
      // start creates it, but Fail2Ban's jail watches a file there from its own start
      found.push(warning(`WEBUI_ACCESS_LOG_DIR: ${dir} does not exist (the server will create it; Fail2Ban's jail needs webui-access.log there)`));
    }
  }
  // a log file left there by another user (a first run as root): start goes on, but its lines are lost
  for (const file of [...(s.ACCESS_LOG ? [join(s.LOG_DIR, 'access.log')] : []), join(s.WEBUI_ACCESS_LOG_DIR, 'webui-access.log')]) {
    // an immutable one (EPERM) is log-checks.ts's: chown would not help
    if (existsSync(file) && !writable(file) && !immutable(file)) {
      found.push(warning(`${file} cannot be written by this user: its lines would be lost (chown it to the server's user)`));
    }
  }
  if (s.PIDFILE && !writableDir(dirname(s.PIDFILE))) {
    found.push(error(`PIDFILE: the folder of ${s.PIDFILE} cannot be written`));
  }
  return found;
}

/** STATIC_ROOT is served by nginx: missing, the pages come without their styles and scripts. */
function staticRoot(s: Settings): Finding[] {
  return isDirectory(s.STATIC_ROOT)
    ? []
    : [warning(`STATIC_ROOT: ${s.STATIC_ROOT} does not exist (run \`oq-webui collectstatic\`, or point STATIC_ROOT at the folder nginx serves)`)];
}

/** The service account named by WEBUI_USER must exist (the systemd unit runs the server as it). */
function webuiUser(s: Settings): Finding[] {
  try {
    execFileSync('getent', ['passwd', s.WEBUI_USER], { stdio: 'ignore' });
    return [];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      return []; // no getent here: nothing to say
    }
    return [warning(`WEBUI_USER: there is no user "${s.WEBUI_USER}" on this machine (create it, e.g. \`useradd --system ${s.WEBUI_USER}\`, or set WEBUI_USER to the account the server runs as)`)];
  }
}

/** ENGINE_COMMAND's program must be runnable, or every calculation fails with `spawn ... ENOENT`. */
function engineProgram(s: Settings): Finding[] {
  const program = s.ENGINE_COMMAND[0];
  if (!program || findProgram(program) !== null) {
    return [];
  }
  const where = program.includes('/') ? 'is not an executable file' : 'is not on the PATH';
  return [warning(`ENGINE_COMMAND: the program "${program}" ${where}: every calculation would fail to start (give its full path, or install the OpenQuake Engine)`)];
}

/** The PAM backend needs the native module and the service file; without them PAM logins fail. */
async function pamBackend(s: Settings): Promise<Finding[]> {
  if (!s.AUTHENTICATION_BACKENDS.includes('pam')) {
    return [];
  }
  const { pamAvailable } = await import('../auth/pam.js');
  const pam = pamAvailable();
  return pam.ok ? [] : [warning(`AUTHENTICATION_BACKENDS: "pam" is enabled but ${pam.reason}: PAM logins will fail`)];
}

/** The DATABASE must be a sound SQLite file: the driver's cause when it cannot be opened, else what `PRAGMA quick_check` finds. */
async function databaseSound(s: Settings): Promise<Finding[]> {
  const { checkDatabase } = await import('../db/database.js');
  return (await checkDatabase(s.DATABASE)).map(error);
}

/** A SQLite DATABASE missing while a server runs on it (its data folder moved or deleted): the server answers 503. */
function databaseGone(s: Settings): Finding[] {
  const file = sqlitePath(s.DATABASE);
  const pid = s.PIDFILE ? readPid(s.PIDFILE) : null;
  if (file === null || existsSync(file) || pid === null || !pidAlive(pid)) {
    return [];
  }
  return [error(`DATABASE: ${fileGone(s.DATABASE).message} (the server, pid ${pid}, runs on it)`)];
}

/** Every check, in the order `check` prints what they find. */
export const CHECKS: Check[] = [writableFolders, logSpace, immutableLogFiles, runningServerLogs, webuiUser, staticRoot, engineProgram, pamBackend, databaseGone, databaseSound];

/** What every check finds for these settings. */
export async function extraChecks(s: Settings): Promise<Finding[]> {
  const found: Finding[] = [];
  for (const c of CHECKS) {
    found.push(...(await c(s)));
  }
  return found;
}
