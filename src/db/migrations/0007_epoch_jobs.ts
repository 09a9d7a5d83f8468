/**
 * The epoch (0003) also moves when a job the list shows changes, so it is the one signal every
 * worker's caches follow (src/db/fresh-cache.ts); log lines and the runner's bookkeeping do not move it.
 */
import type { QueryInterface, Sequelize, Transaction } from 'sequelize';

const BUMP = 'UPDATE auth_epoch SET n = n + 1 WHERE id = 1';

/** The job columns a cached answer shows or filters on. */
const SHOWN = 'user_name, calculation_mode, status, is_running, description, pid, hazard_calculation_id, size_mb, start_time, stop_time, relevant';

const WATCHED: [string, string][] = [
  ['job_insert', 'INSERT'],
  ['job_update', `UPDATE OF ${SHOWN}`],
  ['job_delete', 'DELETE'],
];

export async function up(_qi: QueryInterface, sequelize: Sequelize, transaction: Transaction): Promise<void> {
  for (const [name, event] of WATCHED) {
    const sql = sequelize.getDialect() === 'postgres'
      ? `CREATE TRIGGER auth_epoch_${name} AFTER ${event} ON job FOR EACH STATEMENT EXECUTE FUNCTION auth_epoch_bump()`
      : `CREATE TRIGGER auth_epoch_${name} AFTER ${event} ON job BEGIN ${BUMP}; END`;
    await sequelize.query(sql, { transaction });
  }
}

export async function down(_qi: QueryInterface, sequelize: Sequelize, transaction: Transaction): Promise<void> {
  for (const [name] of WATCHED) {
    await sequelize.query(`DROP TRIGGER IF EXISTS auth_epoch_${name}${sequelize.getDialect() === 'postgres' ? ' ON job' : ''}`, { transaction });
  }
}
