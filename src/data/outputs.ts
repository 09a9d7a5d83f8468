/** Outputs of calculations (table `output`): the engine's outputs of each job, copied once. */
import type { CalcModels, Output } from '../db/models/calcs.js';

/** An output row as plain data. */
export type OutputRow = Pick<Output, 'id' | 'oq_job_id' | 'display_name' | 'ds_key' | 'size_mb' | 'export_types'>;

/** An output as the engine lists it (python/oq_webui_results.py list_outputs). */
export interface EngineOutput {
  display_name: string;
  ds_key: string;
  size_mb: number | null;
  outtypes: string[];
}

/** The outputs of a job, by id. */
export async function outputsOf(db: CalcModels, jobId: number): Promise<OutputRow[]> {
  return db.Output.findAll({
    where: { oq_job_id: jobId }, order: [['id', 'ASC']], raw: true,
    attributes: ['id', 'oq_job_id', 'display_name', 'ds_key', 'size_mb', 'export_types'],
  });
}

/** The output with this id, or null. */
export async function findOutput(db: CalcModels, id: number): Promise<OutputRow | null> {
  return db.Output.findByPk(id, { raw: true, attributes: ['id', 'oq_job_id', 'display_name', 'ds_key', 'size_mb', 'export_types'] });
}

/**
 * Copies the engine's outputs of a job, in the engine's order; a key already copied is left as it
 * is (unique per job and key), so two workers copying at once insert each output once.
 */
export async function copyEngineOutputs(db: CalcModels, jobId: number, outputs: EngineOutput[]): Promise<void> {
  const now = new Date();
  await db.Output.bulkCreate(outputs.map((o) => ({
    oq_job_id: jobId, display_name: o.display_name, ds_key: o.ds_key, size_mb: o.size_mb,
    export_types: o.outtypes.join(','), last_update: now,
  })), { ignoreDuplicates: true });
}
