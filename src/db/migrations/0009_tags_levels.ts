/**
 * Calculation tags and user levels, as the original 3.26 has them.
 * - `tag` (a name) and `job_tag` (a job's tags, at most one preferred job per tag), as the
 *   engine's own schema (its upgrades 0008 and 0010); their changes move the epoch, since the
 *   list shows the tags and filters on them.
 * - `users.level`: the original's user_profile level (0 view only, 1 simplified, 2 advanced).
 *   Existing and new accounts are 2 unless the operator says otherwise, so that an upgrade takes
 *   nothing away from anybody; a change moves the epoch (it decides what a request may do).
 */
import { DataTypes, type QueryInterface, type Sequelize, type Transaction } from 'sequelize';

const BUMP = 'UPDATE auth_epoch SET n = n + 1 WHERE id = 1';

/** [trigger name suffix, table, event] */
const WATCHED: [string, string, string][] = [
  ['tag_insert', 'tag', 'INSERT'],
  ['tag_update', 'tag', 'UPDATE'],
  ['tag_delete', 'tag', 'DELETE'],
  ['job_tag_insert', 'job_tag', 'INSERT'],
  ['job_tag_update', 'job_tag', 'UPDATE'],
  ['job_tag_delete', 'job_tag', 'DELETE'],
  ['users_level', 'users', 'UPDATE OF level'],
];

export async function up(qi: QueryInterface, sequelize: Sequelize, transaction: Transaction): Promise<void> {
  await qi.createTable('tag', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    name: { type: DataTypes.STRING(255), allowNull: false, unique: true },
  }, { transaction });
  await qi.createTable('job_tag', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    job_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: 'job', key: 'id' }, onDelete: 'CASCADE' },
    tag_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: 'tag', key: 'id' }, onDelete: 'CASCADE' },
    is_preferred: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
  }, { transaction });
  await qi.addIndex('job_tag', ['job_id', 'tag_id'], { name: 'job_tag_job_id_tag_id', unique: true, transaction });
  await qi.addIndex('job_tag', ['tag_id'], { name: 'job_tag_tag_id', transaction });
  // one preferred job per tag, kept by the database
  await sequelize.query('CREATE UNIQUE INDEX job_tag_preferred ON job_tag (tag_id) WHERE is_preferred = TRUE', { transaction });
  await qi.addColumn('users', 'level', { type: DataTypes.INTEGER, allowNull: false, defaultValue: 2 }, { transaction });
  for (const [name, table, event] of WATCHED) {
    const sql = sequelize.getDialect() === 'postgres'
      ? `CREATE TRIGGER auth_epoch_${name} AFTER ${event} ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION auth_epoch_bump()`
      : `CREATE TRIGGER auth_epoch_${name} AFTER ${event} ON ${table} BEGIN ${BUMP}; END`;
    await sequelize.query(sql, { transaction });
  }
}
