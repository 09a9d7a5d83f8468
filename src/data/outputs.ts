/** Outputs of calculations (table `output`). */
import type { CalcModels, Output } from '../db/models/calcs.js';

/** An output row as plain data. */
export type OutputRow = Pick<Output, 'id' | 'oq_job_id' | 'display_name' | 'ds_key' | 'size_mb' | 'file_stem' | 'export_types'>;

/** The outputs of a job, by id. */
export async function outputsOf(db: CalcModels, jobId: number): Promise<OutputRow[]> {
  return db.Output.findAll({ where: { oq_job_id: jobId }, order: [['id', 'ASC']], raw: true });
}

/** The output with this id, or null. */
export async function findOutput(db: CalcModels, id: number): Promise<OutputRow | null> {
  return db.Output.findByPk(id, { raw: true });
}
