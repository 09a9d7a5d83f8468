/** Calculation logs (table `log`): size, slices and the traceback of a failed job. */
import type { DateValue } from '../calcs/presenters.js';
import { selectRows } from '../db/query.js';
import type { CalcModels } from '../db/models/calcs.js';

/** One log line as the routes show it. */
export interface LogRow {
  timestamp: DateValue;
  level: string;
  process: string;
  message: string;
}

/** How many lines the job logged. */
export function logSize(db: CalcModels, jobId: number): Promise<number> {
  return db.LogLine.count({ where: { job_id: jobId } });
}

/** Lines [offset, offset + limit) of the job's log, oldest first; a negative limit = to the end. */
export function logSlice(db: CalcModels, jobId: number, offset: number, limit: number): Promise<LogRow[]> {
  // "no limit" as a number both dialects take (SQLite's LIMIT -1 is an error on PostgreSQL, its LIMIT ALL one on SQLite)
  const rows = limit < 0 ? Number.MAX_SAFE_INTEGER : limit;
  return selectRows<LogRow>(db.sequelize, 'SELECT timestamp, level, process, message FROM log WHERE job_id = ? ORDER BY id LIMIT ? OFFSET ?', [jobId, rows, offset]);
}

/** The message of the job's last CRITICAL line (its traceback), or null. */
export async function lastCritical(db: CalcModels, jobId: number): Promise<string | null> {
  const last = await db.LogLine.findOne({ where: { job_id: jobId, level: 'CRITICAL' }, order: [['id', 'DESC']], attributes: ['message'] });
  return last?.message ?? null;
}

/** The last line of the job's log that looks like the engine's progress (`classical  50% [of 4 tasks]`), or null. */
export async function lastProgressLine(db: CalcModels, jobId: number): Promise<string | null> {
  // the log's (job_id, id) index: read backwards from the newest line to the last progress line
  const [last] = await selectRows<{ message: string }>(db.sequelize,
    "SELECT message FROM log WHERE job_id = ? AND message LIKE '%\\% [%' ESCAPE '\\' ORDER BY id DESC LIMIT 1", [jobId]);
  return last?.message ?? null;
}
