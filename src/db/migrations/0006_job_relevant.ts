/**
 * The calculation list leaves out the jobs marked not relevant when asked (`relevant=true`, as
 * the original's pages ask): its total subtracts them from job_count's, found through this
 * partial index, which holds only those jobs (usually none) and so costs nothing to keep.
 * The `relevant` column itself has been in `job` since 0002 (default true).
 */
import type { QueryInterface, Sequelize, Transaction } from 'sequelize';

export async function up(_qi: QueryInterface, sequelize: Sequelize, transaction: Transaction): Promise<void> {
  // raw text: the list's query says `relevant = FALSE` and SQLite uses a partial index only for the same term
  await sequelize.query('CREATE INDEX job_not_relevant ON job (user_name, id) WHERE relevant = FALSE', { transaction });
}
