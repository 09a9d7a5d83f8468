/**
 * Disk space per user (USER_QUOTA): what the job table records of each calculation's folder.
 * `size_mb` (MiB) is the folder's size, written by the runner when a run ends; a calculation
 * not finished yet counts with its inputs (recorded when it is created).
 */
import { changeRows, selectRows } from '../db/query.js';
import type { CalcModels } from '../db/models/calcs.js';

const MB = 1024 * 1024;

/** Bytes taken by the calculations of `username` that are not deleted. */
export async function usedBytes(db: CalcModels, username: string): Promise<number> {
  const [row] = await selectRows<{ mb: number | null }>(db.sequelize,
    "SELECT COALESCE(SUM(size_mb), 0) AS mb FROM job WHERE user_name = ? AND status <> 'deleted'", [username]);
  return Math.round(Number(row?.mb ?? 0) * MB);
}

/** Records the size of a new calculation's inputs, unless the runner already wrote the final size. */
export async function recordInputBytes(db: CalcModels, jobId: number, bytes: number): Promise<void> {
  await changeRows(db.sequelize, 'UPDATE job SET size_mb = ? WHERE id = ? AND size_mb IS NULL', [bytes / MB, jobId]);
}
