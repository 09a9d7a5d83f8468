/**
 * What `oq-webui check` says about the log files beyond their folders: a full filesystem, an
 * immutable file, and what a running master reports it cannot write (its lines wait in memory).
 */
import { accessSync, constants, existsSync, realpathSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { askStatus } from '../../master/control.js';
import { MAX_KEPT, problemText } from '../logging/fail-soft-files.js';
import type { Settings } from '../settings/schema.js';

/** A warning of `check` (extra-checks.ts's Finding; the server runs with these). */
interface Finding {
  level: 'warning';
  text: string;
}

/** Below this much free space a log folder counts as full (a few minutes of busy access log). */
const NEARLY_FULL = 1024 * 1024;

/** The folders holding log files, each once, with the setting that names it. */
function logFolders(s: Settings): [string, string][] {
  const folders: [string, string][] = [['LOG_DIR', s.LOG_DIR]];
  if (s.WEBUI_ACCESS_LOG_DIR !== s.LOG_DIR) {
    folders.push(['WEBUI_ACCESS_LOG_DIR', s.WEBUI_ACCESS_LOG_DIR]);
  }
  return folders;
}

/** A log folder whose filesystem is full: the server keeps serving, its lines wait in memory. */
export function logSpace(s: Settings): Finding[] {
  const found: Finding[] = [];
  for (const [name, dir] of logFolders(s)) {
    try {
      const fsInfo = statfsSync(dir);
      const free = fsInfo.bavail * fsInfo.bsize;
      if (free < NEARLY_FULL) {
        found.push({ level: 'warning', text: `${name}: the filesystem of ${dir} is full (${Math.floor(free / 1024)} KiB free): `
          + `the server keeps up to ${MAX_KEPT / 1048576} MiB of each log file's lines in memory until space is freed` });
      }
    } catch {
      // a folder that does not exist: writableFolders says so
    }
  }
  return found;
}

/** The log files a start would write (the server log is the file its symlink names). */
function logFiles(s: Settings): string[] {
  const files = [join(s.LOG_DIR, 'oq-webui.log'), join(s.WEBUI_ACCESS_LOG_DIR, 'webui-access.log')];
  if (s.ACCESS_LOG) {
    files.push(join(s.LOG_DIR, 'access.log'));
  }
  return files.filter((f) => existsSync(f)).map((f) => realpathSync(f));
}

/** A log file made immutable (`chattr +i`): nobody, root included, may write it until `chattr -i`. */
export function immutableLogFiles(s: Settings): Finding[] {
  const found: Finding[] = [];
  for (const file of logFiles(s)) {
    try {
      accessSync(file, constants.W_OK);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EPERM') {
        found.push({ level: 'warning', text: `${file} is immutable (lsattr shows an i): its lines wait in memory until \`chattr -i ${file}\`` });
      }
    }
  }
  return found;
}

/** What the running master (if one answers on CONTROL_SOCKET) says it cannot write. */
export async function runningServerLogs(s: Settings): Promise<Finding[]> {
  if (!existsSync(s.CONTROL_SOCKET)) {
    return [];
  }
  try {
    const reply = await askStatus(s.CONTROL_SOCKET, 2000);
    return (reply.logs ?? []).map((p): Finding => ({ level: 'warning', text: `the running server (pid ${reply.master.pid}): ${problemText(p)}` }));
  } catch {
    return [];
  }
}
