import { openAndMigrate } from '../db/database.js';
import { databaseWhere } from '../db/errors.js';
import type { Command } from './command.js';
import { commandSettings } from './db-command.js';

/**
 * `oq-webui migrate`: creates the database if needed and applies pending migrations, each in one
 * transaction with its record, so that rerunning it after an interruption finishes the job.
 */
export const migrateCommand: Command = {
  usage: 'oq-webui migrate [--database URL] [--data-dir DIR] [-c CONFIG]',
  withSettings: true,
  settingFlags: ['DATABASE', 'DATA_DIR'],
  extras: [],
  async run(args) {
    const s = commandSettings(args);
    if (!s) {
      return 2;
    }
    const where = databaseWhere(s.DATABASE);
    process.stdout.write(`Database: ${where}\n`);
    let db;
    try {
      db = await openAndMigrate(s.DATABASE);
    } catch (e) {
      process.stderr.write(`Error: cannot migrate ${where}: ${(e as Error).message}\n`);
      return 1;
    }
    await db.sequelize.close();
    if (db.applied.length === 0) {
      process.stdout.write('No migrations to apply.\n');
    } else {
      process.stdout.write('Running migrations:\n');
      for (const name of db.applied) {
        process.stdout.write(`  Applying ${name}... OK\n`);
      }
    }
    return 0;
  },
};
