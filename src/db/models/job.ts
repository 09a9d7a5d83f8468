import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

/** Every status a job goes through, as in the original engine. */
export const JOB_STATUSES = ['created', 'submitted', 'executing', 'complete', 'aborted', 'failed', 'deleted', 'shared'] as const;

/** One of JOB_STATUSES. */
export type JobStatus = (typeof JOB_STATUSES)[number];

/** The statuses in which the engine is (about to be) running: `is_running` is true for these only. */
export const RUNNING_STATUSES: readonly JobStatus[] = ['submitted', 'executing'];

/** Whether a status counts as running. */
export function isRunningStatus(status: string): boolean {
  return (RUNNING_STATUSES as readonly string[]).includes(status);
}

/** A calculation (table `job`); attribute names are the column names, as the API shows them. */
export class Job extends Model<InferAttributes<Job>, InferCreationAttributes<Job>> {
  declare id: CreationOptional<number>;
  declare description: CreationOptional<string>;
  declare user_name: string;
  declare calculation_mode: CreationOptional<string>;
  declare hazard_calculation_id: CreationOptional<number | null>;
  declare status: CreationOptional<JobStatus>;
  declare is_running: CreationOptional<boolean>;
  declare start_time: Date;
  declare stop_time: CreationOptional<Date | null>;
  declare relevant: CreationOptional<boolean>;
  declare ds_calc_dir: CreationOptional<string | null>;
  declare pid: CreationOptional<number | null>;
  declare size_mb: CreationOptional<number | null>;
  declare host: CreationOptional<string | null>;
  /** `<host>:<pid>` of the job runner that claimed it. */
  declare runner: CreationOptional<string | null>;
  declare job_ini: CreationOptional<string>;
  declare abort_requested: CreationOptional<boolean>;
  /** The engine's own calculation id (its `#N`, its `calc_N.hdf5`); null until the engine logged it. */
  declare engine_calc_id: CreationOptional<number | null>;
}

/** Binds the Job model to a database. */
export function initJob(sequelize: Sequelize): typeof Job {
  // a subclass per database, so that two databases can be open in one process (tests, bench)
  class BoundJob extends Job {}
  BoundJob.init({
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    description: { type: DataTypes.TEXT, allowNull: false, defaultValue: '' },
    user_name: { type: DataTypes.STRING(150), allowNull: false },
    calculation_mode: { type: DataTypes.STRING(100), allowNull: false, defaultValue: '' },
    hazard_calculation_id: { type: DataTypes.INTEGER, allowNull: true },
    status: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'created' },
    is_running: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    start_time: { type: DataTypes.DATE, allowNull: false },
    stop_time: { type: DataTypes.DATE, allowNull: true },
    relevant: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    ds_calc_dir: { type: DataTypes.TEXT, allowNull: true },
    pid: { type: DataTypes.INTEGER, allowNull: true },
    size_mb: { type: DataTypes.FLOAT, allowNull: true },
    host: { type: DataTypes.STRING(255), allowNull: true },
    runner: { type: DataTypes.STRING(255), allowNull: true },
    job_ini: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'job.ini' },
    abort_requested: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    engine_calc_id: { type: DataTypes.INTEGER, allowNull: true },
  }, { sequelize, modelName: 'Job', tableName: 'job', timestamps: false });
  return BoundJob;
}
