/**
 * Calculations (table `job`): loading one, the facts the policies need, and the conditional
 * state changes the routes make. Each change is one statement whose WHERE states when it is
 * allowed, so a concurrent change is never overwritten; the caller learns whether it happened.
 */
import type { DateValue } from '../calcs/presenters.js';
import { insertOneOrNone, changeRows, selectRows } from '../db/query.js';
import { RUNNING_STATUSES, type CalcModels, type JobStatus } from '../db/models/calcs.js';
import { groupIdsOfUsername } from './users.js';

/** A job row as the routes read it (dates as the database returns them). */
export interface JobRow {
  id: number;
  description: string;
  user_name: string;
  calculation_mode: string;
  hazard_calculation_id: number | null;
  status: string;
  is_running: number | boolean;
  start_time: DateValue;
  stop_time: DateValue;
  pid: number | null;
  size_mb: number | null;
  relevant: number | boolean;
  host: string | null;
  /** The engine's own id of the calculation (its datastore's name), once the runner knows it. */
  engine_calc_id: number | null;
}

const JOB_COLUMNS = 'id, description, user_name, calculation_mode, hazard_calculation_id, status, is_running, start_time, stop_time, pid, size_mb, relevant, host, engine_calc_id';

/** The job with this id (deleted ones included: the caller decides), or null. */
export async function findJob(db: CalcModels, id: number): Promise<JobRow | null> {
  const [job] = await selectRows<JobRow>(db.sequelize, `SELECT ${JOB_COLUMNS} FROM job WHERE id = ?`, [id]);
  return job ?? null;
}

/** The jobs with these ids that are not deleted, by id. */
export async function findJobs(db: CalcModels, ids: number[]): Promise<JobRow[]> {
  if (ids.length === 0) {
    return [];
  }
  return selectRows<JobRow>(db.sequelize, `SELECT ${JOB_COLUMNS} FROM job WHERE id IN (${ids.map(() => '?').join(',')}) AND status != 'deleted' ORDER BY id`, ids);
}

/** The job (not deleted) whose engine calculation has this id, or null: the engine's ids are not ours (jobs_from_inis). */
export async function findJobOfEngineId(db: CalcModels, engineId: number): Promise<JobRow | null> {
  const [job] = await selectRows<JobRow>(db.sequelize, `SELECT ${JOB_COLUMNS} FROM job WHERE engine_calc_id = ? AND status != 'deleted' ORDER BY id DESC LIMIT 1`, [engineId]);
  return job ?? null;
}

/** Ids of the groups the owner of a job belongs to (what the group rule needs). */
export function ownerGroupIds(db: CalcModels, userName: string): Promise<number[]> {
  return groupIdsOfUsername(db.sequelize, userName);
}

/** Asks the runner's side to abort: true when the job was running (the flag is set), false otherwise. */
export async function requestAbort(db: CalcModels, id: number): Promise<boolean> {
  const marks = RUNNING_STATUSES.map(() => '?').join(', ');
  return (await changeRows(db.sequelize, `UPDATE job SET abort_requested = TRUE WHERE id = ? AND status IN (${marks})`, [id, ...RUNNING_STATUSES])) === 1;
}

/**
 * Marks a job deleted, in one statement: never while running, never while a live calculation
 * depends on it. False when refused (see whyNotRemovable).
 */
export async function markDeleted(db: CalcModels, id: number): Promise<boolean> {
  const changed = await changeRows(db.sequelize,
    `UPDATE job SET status = 'deleted', is_running = FALSE
     WHERE id = ? AND status NOT IN ('submitted', 'executing', 'deleted')
     AND NOT EXISTS (SELECT 1 FROM job AS child WHERE child.hazard_calculation_id = ? AND child.status != 'deleted')`,
    [id, id]);
  return changed === 1;
}

/** Undoes markDeleted (its folder could not be removed): the job is listed again with `status`. */
export async function undoDeleted(db: CalcModels, id: number, status: string): Promise<void> {
  await changeRows(db.sequelize, "UPDATE job SET status = ? WHERE id = ? AND status = 'deleted'", [status, id]);
}

/** Ids of the calculations that use this one as their hazard_job_id and are not deleted. */
export async function dependentsOf(db: CalcModels, id: number): Promise<number[]> {
  const rows = await selectRows<{ id: number }>(db.sequelize, "SELECT id FROM job WHERE hazard_calculation_id = ? AND status != 'deleted' ORDER BY id", [id]);
  return rows.map((r) => Number(r.id));
}

/** Changes the status from `from` to `to`; false when the job was not in `from`. */
export async function changeStatus(db: CalcModels, id: number, from: JobStatus, to: JobStatus): Promise<boolean> {
  return (await changeRows(db.sequelize, 'UPDATE job SET status = ? WHERE id = ? AND status = ?', [to, id, from])) === 1;
}

/** What a new job is made of. */
export interface NewJob {
  description: string;
  userName: string;
  calculationMode: string;
  jobIni: string;
  /** The hazard calculation it continues, which must still be complete or shared. */
  parentId: number | null;
}

/** Inserts a `created` job (only if the parent is still complete or shared: one statement); null when the parent is gone. */
export async function insertJob(db: CalcModels, job: NewJob): Promise<number | null> {
  const sql = `INSERT INTO job (description, user_name, calculation_mode, hazard_calculation_id, status, is_running, start_time, relevant, job_ini, abort_requested)
     SELECT ?, ?, ?, ?, 'created', ?, ?, ?, ?, ?
     WHERE CAST(? AS INTEGER) IS NULL OR EXISTS (SELECT 1 FROM job WHERE id = ? AND status IN ('complete', 'shared'))`;
  return insertOneOrNone(db.sequelize, sql, [
    job.description, job.userName, job.calculationMode, job.parentId, false, new Date(), true, job.jobIni, false, job.parentId, job.parentId,
  ]);
}

/** Records the job's folder: from then on the runner may take it. */
export async function setCalcDir(db: CalcModels, id: number, folder: string): Promise<void> {
  await db.Job.update({ ds_calc_dir: folder }, { where: { id } });
}

/** Deletes a job row that never became a calculation (its folder could not be made). */
export async function deleteJobRow(db: CalcModels, id: number): Promise<void> {
  await db.Job.destroy({ where: { id } });
}
