/** Test support for the job runner: a migrated database (SQLite, or PostgreSQL on the second pass) and jobs with their input folders. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sequelize } from 'sequelize';
import winston from 'winston';
import { calcDir, inputDir } from '../../src/calcs/paths.js';
import { openDatabase } from '../../src/db/connection.js';
import { migrate } from '../../src/db/migrator.js';
import { LEVELS, type Logger } from '../../src/logging/levels.js';
import { initCalcModels, type CalcModels } from '../../src/db/models/calcs.js';
import { resolveSettings } from '../../src/settings/load.js';
import type { Settings } from '../../src/settings/schema.js';
import { testPostgresDatabase } from '../helpers/postgres.js';
import { FAKE_OQ } from '../helpers/server.js';

/** A logger that writes nowhere (the runner's server-log lines are not under test here). */
export function quietLogger(): Logger {
  return <Logger>winston.createLogger({ levels: LEVELS, silent: true });
}

/** The SQLite file in a data folder, the tests' database unless they name one. */
function defaultDatabase(dataDir: string): string {
  return `sqlite:${join(dataDir, 'webui.sqlite3')}`;
}

/** Default settings with a data folder, the stand-in engine, and overrides. */
export function testSettings(dataDir: string, over: Partial<Settings> = {}): Settings {
  const { settings } = resolveSettings({ env: {} });
  return {
    ...settings,
    DATA_DIR: dataDir,
    DATABASE: defaultDatabase(dataDir),
    ENGINE_DATA_DIR: join(dataDir, 'engine'),
    ENGINE_COMMAND: [FAKE_OQ, 'engine', '--run', '{job_ini}', '--exports', 'csv', '-p', 'export_dir={export_dir}'],
    ...over,
  };
}

/**
 * Opens (creating) and migrates the database of `settings`; on the PostgreSQL pass (test/pg/)
 * `settings.DATABASE`, unless the test named its own, becomes a database of that cluster, the
 * same one for the same data folder.
 */
export async function testDatabase(settings: Settings): Promise<{ db: Sequelize; models: CalcModels }> {
  if (settings.DATABASE === defaultDatabase(settings.DATA_DIR)) {
    settings.DATABASE = await testPostgresDatabase(settings.DATA_DIR) ?? settings.DATABASE;
  }
  const db = await openDatabase(settings.DATABASE, { create: true });
  await migrate(db);
  return { db, models: initCalcModels(db) };
}

/** Inserts a `created` job whose input folder holds a job.ini with `ini` lines. */
export async function createJob(models: CalcModels, settings: Settings, ini: Record<string, string>, user = 'alice'): Promise<number> {
  const job = await models.Job.create({ user_name: user, start_time: new Date(), status: 'created', calculation_mode: ini.calculation_mode ?? 'classical', description: ini.description ?? 'test' });
  const input = inputDir(calcDir(settings.DATA_DIR, job.id));
  mkdirSync(input, { recursive: true });
  const text = ['[general]', ...Object.entries({ calculation_mode: 'classical', description: 'test', ...ini }).map(([k, v]) => `${k} = ${v}`)].join('\n');
  writeFileSync(join(input, 'job.ini'), `${text}\n`);
  await models.Job.update({ ds_calc_dir: calcDir(settings.DATA_DIR, job.id) }, { where: { id: job.id } });
  return job.id;
}

/** The job's current row. */
export async function jobRow(models: CalcModels, id: number) {
  const job = await models.Job.findByPk(id);
  if (job === null) {
    throw new Error(`no job ${id}`);
  }
  return job;
}
