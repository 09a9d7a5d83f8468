/**
 * The job runner's side of `job`, `output` and `log`: each status change is one statement whose
 * WHERE states when it is allowed, and the caller learns whether it happened. What a run writes
 * (its status, its log) waits for a database server restarting instead of being lost.
 */
import { Op } from 'sequelize';
import { claimFirstRow, type Claim } from '../db/query.js';
import { retryWhileUnavailable } from '../db/retry.js';
import { RUNNING_STATUSES, type CalcModels, type Job, type JobStatus } from '../db/models/calcs.js';

/** One line for the `log` table. */
export interface NewLogLine {
  timestamp: Date;
  level: string;
  process: string;
  message: string;
}

/** The job with this id, as a model (the runner reads several of its columns), or null. */
export function findJobModel(db: CalcModels, id: number): Promise<Job | null> {
  return retryWhileUnavailable(() => db.Job.findByPk(id));
}

/** The claim of the oldest `created` job whose folder is in place (ds_calc_dir is set once the upload's folder is). */
const NEXT_JOB: Claim = {
  table: 'job',
  set: "status = 'submitted', is_running = ?, runner = ?, host = ?, start_time = ?",
  where: "status = 'created' AND ds_calc_dir IS NOT NULL",
  orderBy: 'id',
};

/**
 * Takes the oldest `created` job whose folder is in place, for this runner (`<host>:<pid>`) on
 * `host` (the machine's name, as the original writes it): its id, or null. One statement, so
 * that of the runners of every host claiming at once only one gets each job.
 */
export function claimNextJob(db: CalcModels, runner: string, host: string): Promise<number | null> {
  // the start time is the claim's: a runner's claims follow one another, so its jobs start in id order
  return claimFirstRow(db.sequelize, NEXT_JOB, [true, runner, host, new Date()], []);
}

/** Gives a claimed job back to the queue (a runner stopping while it claimed it). */
export async function giveBackJob(db: CalcModels, id: number, runner: string): Promise<void> {
  await db.Job.update({ status: 'created', is_running: false, runner: null }, { where: { id, status: 'submitted', runner } });
}

/** Which of these jobs have an abort requested. */
export async function abortsRequested(db: CalcModels, ids: number[]): Promise<number[]> {
  const rows = await db.Job.findAll({ where: { id: { [Op.in]: ids }, abort_requested: true }, attributes: ['id'] });
  return rows.map((r) => r.id);
}

/** submitted → executing, with the engine's pid. */
export async function markExecuting(db: CalcModels, id: number, pid: number): Promise<void> {
  await retryWhileUnavailable(() => db.Job.update({ status: 'executing', pid }, { where: { id, status: 'submitted' } }));
}

/** Records the engine's own id of the calculation. */
export async function setEngineCalcId(db: CalcModels, id: number, engineId: number): Promise<void> {
  await retryWhileUnavailable(() => db.Job.update({ engine_calc_id: engineId }, { where: { id } }));
}

/**
 * The final status of a running job (only over a running status: nobody else moves a running
 * job), and its folder's size when given; false when it was not running.
 */
export async function finishJob(db: CalcModels, id: number, status: JobStatus, sizeMb?: number | null): Promise<boolean> {
  const [n] = await retryWhileUnavailable(() => db.Job.update(
    { status, is_running: false, stop_time: new Date(), ...(sizeMb === undefined ? {} : { size_mb: sizeMb }) },
    { where: { id, status: { [Op.in]: [...RUNNING_STATUSES] } } },
  ));
  return n === 1;
}

/** The jobs in a running status, by id (restart recovery); only those of one runner when given. */
export function runningJobs(db: CalcModels, runner?: string): Promise<Job[]> {
  return db.Job.findAll({ where: { status: { [Op.in]: [...RUNNING_STATUSES] }, ...(runner === undefined ? {} : { runner }) }, order: [['id', 'ASC']] });
}

/** Ids of the jobs still `created` without a folder that were created before `before` (interrupted uploads). */
export async function foldersNeverMade(db: CalcModels, before: Date): Promise<number[]> {
  const rows = await db.Job.findAll({ where: { status: 'created', ds_calc_dir: null, start_time: { [Op.lt]: before } }, attributes: ['id'] });
  return rows.map((r) => r.id);
}

/** created (without a folder) → failed; false when it changed meanwhile. */
export async function failFolderless(db: CalcModels, id: number): Promise<boolean> {
  const [n] = await db.Job.update({ status: 'failed', stop_time: new Date() }, { where: { id, status: 'created', ds_calc_dir: null } });
  return n === 1;
}

/** Appends lines to a job's log (one statement). */
export async function insertLogLines(db: CalcModels, jobId: number, lines: NewLogLine[]): Promise<void> {
  const rows = lines.map((l) => ({ job_id: jobId, timestamp: l.timestamp, level: l.level, process: l.process, message: l.message }));
  await retryWhileUnavailable(() => db.LogLine.bulkCreate(rows, { validate: false, hooks: false }));
}
