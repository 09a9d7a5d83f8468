/** The calculation models of one database (job, output, log). */
import type { Sequelize } from 'sequelize';
import { bindOnce } from './bind-once.js';
import { initJob, type Job } from './job.js';
import { initLogLine, type LogLine } from './log.js';
import { initOutput, type Output } from './output.js';

/** The calculation models bound to one database. */
export interface CalcModels {
  sequelize: Sequelize;
  Job: typeof Job;
  Output: typeof Output;
  LogLine: typeof LogLine;
}

/** The calculation models of this database, bound once (later calls return the same ones). */
export const initCalcModels: (sequelize: Sequelize) => CalcModels = bindOnce((sequelize) => ({
  sequelize, Job: initJob(sequelize), Output: initOutput(sequelize), LogLine: initLogLine(sequelize),
}));

export { Job, JOB_STATUSES, RUNNING_STATUSES, isRunningStatus, type JobStatus } from './job.js';
export { Output } from './output.js';
export { LogLine } from './log.js';
