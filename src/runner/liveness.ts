/**
 * Whether a recorded pid is still the process we think it is: pids are reused, so on Linux the
 * process's initial environment is checked for a marker (OQ_CALC_ID=<id> for an engine,
 * OQ_WEBUI_CHILD=runner for a job runner). Elsewhere, a live pid is taken at its word.
 */
import { readFileSync } from 'node:fs';

/** Whether pid `pid` is alive and was started with the environment entry `marker` ("NAME=value"). */
export function isLiveProcessWith(pid: number, marker: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) {
    return false;
  }
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: alive but someone else's — not ours
    return false;
  }
  let environ: string;
  try {
    environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code !== 'ENOENT' && code !== 'ESRCH';
  }
  return environ.split('\0').includes(marker);
}
