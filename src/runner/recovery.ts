/**
 * Restart recovery: jobs left `submitted` or `executing` by a job runner of this host that is
 * gone become `failed`, with a log line saying why; an engine still running for them is stopped,
 * and the dead runners' leases are ended. Jobs of other hosts' runners are left to their leases
 * (src/runner/leases.ts): a host that restarts never fails the jobs of a live one.
 */
import { hostname } from 'node:os';
import type { Logger } from '../logging/levels.js';
import type { CalcModels } from '../db/models/calcs.js';
import { failFolderless, finishJob, foldersNeverMade, insertLogLines, runningJobs } from '../data/runner-jobs.js';
import { dropLease, leasesOn } from '../data/runner-leases.js';
import { signalGroup } from './engine-process.js';
import { isLiveProcessWith } from './liveness.js';

/** The `runner` column value of this process. */
export function runnerIdentity(): string {
  return `${hostname()}:${process.pid}`;
}

/** The host and pid parts of a runner's `<host>:<pid>`. */
export function partsOf(runner: string): { host: string; pid: number } {
  const at = runner.lastIndexOf(':');
  return { host: runner.slice(0, at), pid: Number(runner.slice(at + 1)) };
}

/** Whether a job's recorded runner is a live job runner other than this one (it still owns the job). */
function ownedByLiveRunner(runner: string | null, self: string): boolean {
  if (runner === null || runner === self) {
    return false;
  }
  const { host, pid } = partsOf(runner);
  if (host !== hostname()) {
    // another machine's runner: its lease says when it stopped answering (src/runner/leases.ts)
    return true;
  }
  return isLiveProcessWith(pid, 'OQ_WEBUI_CHILD=runner');
}

/** Fails the orphaned running jobs; returns their ids. */
export async function recoverJobs(models: CalcModels, self: string, log: Logger): Promise<number[]> {
  const jobs = await runningJobs(models);
  const failed: number[] = [];
  for (const job of jobs) {
    if (ownedByLiveRunner(job.runner, self)) {
      continue;
    }
    let why = 'The job runner stopped while the calculation was running (the server or the runner was restarted); no engine process was left, so the calculation failed.';
    if (job.pid !== null && isLiveProcessWith(job.pid, `OQ_CALC_ID=${job.id}`)) {
      signalGroup(job.pid, 'SIGKILL');
      why = `The job runner stopped while the calculation was running (the server or the runner was restarted); its engine process (pid ${job.pid}) was stopped and the calculation failed.`;
    }
    if (await finishJob(models, job.id, 'failed')) {
      await insertLogLines(models, job.id, [{ timestamp: new Date(), level: 'CRITICAL', process: 'oq-webui', message: why }]);
      log.warning(`Calculation ${job.id} was left ${job.status} by a job runner that is gone: marked failed`);
      failed.push(job.id);
    }
  }
  for (const lease of await leasesOn(models.sequelize, hostname())) {
    if (!ownedByLiveRunner(lease.runner, self) && lease.runner !== self) {
      await dropLease(models.sequelize, lease.runner);
    }
  }
  failed.push(...(await failInterruptedUploads(models, log)));
  return failed;
}

/** A job row whose upload never got its folder (the worker died between the two) is this old at most. */
const UPLOAD_GRACE_MS = 3600 * 1000;

/** Jobs left `created` without a folder by a worker that died while creating them: failed, with a reason. */
async function failInterruptedUploads(models: CalcModels, log: Logger): Promise<number[]> {
  const ids: number[] = [];
  for (const id of await foldersNeverMade(models, new Date(Date.now() - UPLOAD_GRACE_MS))) {
    if (await failFolderless(models, id)) {
      await insertLogLines(models, id, [{ timestamp: new Date(), level: 'CRITICAL', process: 'oq-webui', message: 'The upload of this calculation was interrupted (the server stopped while creating it); nothing was run.' }]);
      log.warning(`Calculation ${id} was left without its input folder by an interrupted upload: marked failed`);
      ids.push(id);
    }
  }
  return ids;
}
