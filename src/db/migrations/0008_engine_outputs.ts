/**
 * Outputs are the engine's own (issue 17): one row per output of the engine's database, copied
 * the first time a job's results are asked for, exported on demand in any type its exporters offer.
 * The rows of files exported at run time go (they are listed again from the engine), their
 * `file_stem` with them; one row per job and datastore key, so two workers copying the same
 * job's outputs at once insert them once.
 */
import type { QueryInterface, Sequelize, Transaction } from 'sequelize';

export async function up(qi: QueryInterface, sequelize: Sequelize, transaction: Transaction): Promise<void> {
  await qi.bulkDelete('output', {}, { transaction });
  await qi.removeIndex('output', 'output_oq_job_id', { transaction });
  // SQLite (3.35 on) and PostgreSQL both drop a column in place
  await sequelize.query('ALTER TABLE output DROP COLUMN file_stem', { transaction });
  await qi.addIndex('output', ['oq_job_id', 'ds_key'], { name: 'output_oq_job_id_ds_key', unique: true, transaction });
}
