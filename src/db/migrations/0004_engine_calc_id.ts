/**
 * The OpenQuake engine's own calculation id of each job (`engine_calc_id`): the engine numbers
 * calculations in its own database, so WebUI job N is engine calculation M. The runner records
 * M as soon as the engine logs it (`[... #M INFO] ...`); `--hc` of a job with a parent passes the
 * parent's M, and the datastore is `calc_<M>.hdf5` in the job's folder.
 */
import { DataTypes, type QueryInterface, type Sequelize, type Transaction } from 'sequelize';

export async function up(qi: QueryInterface, _sequelize: Sequelize, transaction: Transaction): Promise<void> {
  await qi.addColumn('job', 'engine_calc_id', { type: DataTypes.INTEGER, allowNull: true }, { transaction });
}
