/**
 * Runner leases (issue 19): one row per live job runner of any host sharing the database, its
 * lease renewed by the runner a few times per RUNNER_LEASE. A row whose `expires_at` has passed
 * belongs to a runner that stopped answering: another host's runner deletes it and marks the
 * jobs it was running failed (src/runner/leases.ts). Times are the database's clock in ms.
 */
import { DataTypes, type QueryInterface, type Sequelize, type Transaction } from 'sequelize';

export async function up(qi: QueryInterface, _sequelize: Sequelize, transaction: Transaction): Promise<void> {
  await qi.createTable('runner_lease', {
    // `<host>:<pid>`, as in job.runner
    runner: { type: DataTypes.STRING(255), primaryKey: true },
    host: { type: DataTypes.STRING(255), allowNull: false },
    pid: { type: DataTypes.INTEGER, allowNull: false },
    started_at: { type: DataTypes.BIGINT, allowNull: false },
    renewed_at: { type: DataTypes.BIGINT, allowNull: false },
    expires_at: { type: DataTypes.BIGINT, allowNull: false },
  }, { transaction });
}
