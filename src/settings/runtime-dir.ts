import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';

/** The runtime folder of the systemd unit (RuntimeDirectory=oq-webui). */
export const SYSTEM_RUNTIME_DIR = '/run/oq-webui';

/** Whether `dir` is a folder this user may create files in. */
function writableFolder(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Where a master started without a pidfile publishes its control socket, found the same way by
 * `status`: systemd's $RUNTIME_DIRECTORY; else /run/oq-webui for root, or for the service user
 * once the unit made it; else $XDG_RUNTIME_DIR/oq-webui (a desktop session); else `fallback`
 * (DATA_DIR). It does not depend on --data-dir, so `status` needs none of start's flags.
 */
export function runtimeDir(fallback: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.RUNTIME_DIRECTORY) {
    // systemd gives a colon-separated list when several folders are asked for
    return env.RUNTIME_DIRECTORY.split(':')[0];
  }
  if (process.getuid?.() === 0 || writableFolder(SYSTEM_RUNTIME_DIR)) {
    return SYSTEM_RUNTIME_DIR;
  }
  return env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'oq-webui') : fallback;
}
