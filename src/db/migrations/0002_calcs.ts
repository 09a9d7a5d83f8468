/**
 * Calculations: the `job`, `output` and `log` tables of the original engine database, plus the
 * few columns the job runner needs (job_ini, abort_requested, runner).
 *
 * Indexes are chosen for the calculation list at 100,000 jobs: a page is assembled from the
 * newest jobs of each visible owner (a partial index on (user_name, id) that leaves deleted
 * jobs out) and the newest shared ones ((status, id)); the total behind X-Total-Count comes
 * from `job_count`, one row per (user_name, status, calculation_mode) kept by triggers, so
 * neither grows with the number of jobs.
 */
import { DataTypes, Op, type QueryInterface, type Sequelize, type Transaction } from 'sequelize';

export async function up(qi: QueryInterface, sequelize: Sequelize, transaction: Transaction): Promise<void> {
  await qi.createTable('job', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    description: { type: DataTypes.TEXT, allowNull: false, defaultValue: '' },
    user_name: { type: DataTypes.STRING(150), allowNull: false },
    calculation_mode: { type: DataTypes.STRING(100), allowNull: false, defaultValue: '' },
    hazard_calculation_id: { type: DataTypes.INTEGER, allowNull: true, references: { model: 'job', key: 'id' } },
    // created, submitted, executing, complete, aborted, failed, deleted, shared
    status: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'created' },
    // true exactly for submitted and executing (kept with the status by every update)
    is_running: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    start_time: { type: DataTypes.DATE, allowNull: false },
    stop_time: { type: DataTypes.DATE, allowNull: true },
    relevant: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    ds_calc_dir: { type: DataTypes.TEXT, allowNull: true },
    pid: { type: DataTypes.INTEGER, allowNull: true },
    size_mb: { type: DataTypes.FLOAT, allowNull: true },
    host: { type: DataTypes.STRING(255), allowNull: true },
    // "<host>:<pid>" of the job runner that claimed the job (restart recovery looks at it)
    runner: { type: DataTypes.STRING(255), allowNull: true },
    // the .ini to run, relative to the calculation's input folder
    job_ini: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'job.ini' },
    // set by a web worker, acted upon by the job runner
    abort_requested: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
  }, { transaction });
  // the runner's queue (status = 'created' ORDER BY id) and the status filter
  await qi.addIndex('job', ['status', 'id'], { name: 'job_status_id', transaction });
  // a user's visible jobs, newest first, deleted ones left out
  await qi.addIndex('job', ['user_name', 'id'], { name: 'job_user_name_id_live', transaction, where: { status: { [Op.ne]: 'deleted' } } });
  await qi.addIndex('job', ['hazard_calculation_id'], { name: 'job_hazard_calculation_id', transaction });

  await qi.createTable('output', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    oq_job_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: 'job', key: 'id' }, onDelete: 'CASCADE' },
    display_name: { type: DataTypes.TEXT, allowNull: false },
    last_update: { type: DataTypes.DATE, allowNull: false },
    ds_key: { type: DataTypes.TEXT, allowNull: false },
    size_mb: { type: DataTypes.FLOAT, allowNull: true },
    // the exported files: `<file_stem>.<type>` under the export folder, one per type
    file_stem: { type: DataTypes.TEXT, allowNull: false },
    // comma-separated extensions, e.g. "csv,xml"
    export_types: { type: DataTypes.TEXT, allowNull: false },
  }, { transaction });
  await qi.addIndex('output', ['oq_job_id'], { name: 'output_oq_job_id', transaction });

  await qi.createTable('log', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    job_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: 'job', key: 'id' }, onDelete: 'CASCADE' },
    timestamp: { type: DataTypes.DATE, allowNull: false },
    level: { type: DataTypes.STRING(16), allowNull: false },
    process: { type: DataTypes.STRING(64), allowNull: false, defaultValue: '' },
    message: { type: DataTypes.TEXT, allowNull: false },
  }, { transaction });
  await qi.addIndex('log', ['job_id', 'id'], { name: 'log_job_id_id', transaction });
  await qi.addIndex('log', ['job_id', 'level'], { name: 'log_job_id_level', transaction });

  await qi.createTable('job_count', {
    user_name: { type: DataTypes.STRING(150), allowNull: false, primaryKey: true },
    status: { type: DataTypes.STRING(16), allowNull: false, primaryKey: true },
    calculation_mode: { type: DataTypes.STRING(100), allowNull: false, primaryKey: true },
    n: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
  }, { transaction });
  for (const sql of sequelize.getDialect() === 'postgres' ? POSTGRES_TRIGGERS : SQLITE_TRIGGERS) {
    await sequelize.query(sql, { transaction });
  }
}

const KEY = 'user_name, status, calculation_mode';

/** job_count follows every insert, delete and change of owner, status or mode of a job. */
const SQLITE_TRIGGERS = [
  `CREATE TRIGGER job_count_insert AFTER INSERT ON job BEGIN
     INSERT INTO job_count (${KEY}, n) VALUES (NEW.user_name, NEW.status, NEW.calculation_mode, 1)
     ON CONFLICT (${KEY}) DO UPDATE SET n = n + 1;
   END`,
  `CREATE TRIGGER job_count_delete AFTER DELETE ON job BEGIN
     UPDATE job_count SET n = n - 1 WHERE user_name = OLD.user_name AND status = OLD.status AND calculation_mode = OLD.calculation_mode;
   END`,
  `CREATE TRIGGER job_count_update AFTER UPDATE OF ${KEY} ON job
   WHEN OLD.user_name IS NOT NEW.user_name OR OLD.status IS NOT NEW.status OR OLD.calculation_mode IS NOT NEW.calculation_mode BEGIN
     UPDATE job_count SET n = n - 1 WHERE user_name = OLD.user_name AND status = OLD.status AND calculation_mode = OLD.calculation_mode;
     INSERT INTO job_count (${KEY}, n) VALUES (NEW.user_name, NEW.status, NEW.calculation_mode, 1)
     ON CONFLICT (${KEY}) DO UPDATE SET n = n + 1;
   END`,
];

/** The same for PostgreSQL (one trigger function). */
const POSTGRES_TRIGGERS = [
  `CREATE FUNCTION job_count_follow() RETURNS trigger AS $$
   BEGIN
     IF TG_OP IN ('UPDATE', 'DELETE') THEN
       UPDATE job_count SET n = n - 1 WHERE user_name = OLD.user_name AND status = OLD.status AND calculation_mode = OLD.calculation_mode;
     END IF;
     IF TG_OP IN ('UPDATE', 'INSERT') THEN
       INSERT INTO job_count (${KEY}, n) VALUES (NEW.user_name, NEW.status, NEW.calculation_mode, 1)
       ON CONFLICT (${KEY}) DO UPDATE SET n = job_count.n + 1;
     END IF;
     RETURN NULL;
   END $$ LANGUAGE plpgsql`,
  'CREATE TRIGGER job_count_insert_delete AFTER INSERT OR DELETE ON job FOR EACH ROW EXECUTE FUNCTION job_count_follow()',
  `CREATE TRIGGER job_count_update AFTER UPDATE OF ${KEY} ON job FOR EACH ROW
   WHEN (OLD.user_name IS DISTINCT FROM NEW.user_name OR OLD.status IS DISTINCT FROM NEW.status OR OLD.calculation_mode IS DISTINCT FROM NEW.calculation_mode)
   EXECUTE FUNCTION job_count_follow()`,
];
