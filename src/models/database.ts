import { existsSync } from 'node:fs';
import type { Sequelize } from 'sequelize';
import { openDatabase, sqlitePath } from '../db/connection.js';
import { migrate, pendingMigrations } from '../db/migrator.js';
import { initAccountModels, type AccountModels } from './index.js';

/** The database a command or the app works on, with its account models bound. */
export interface OpenDatabase {
  sequelize: Sequelize;
  models: AccountModels;
}

/** The DATABASE URL used when the setting is not given. */
export { defaultDatabaseUrl } from '../db/url.js';

/**
 * Opens the DATABASE for serving: it must exist and be fully migrated, otherwise this
 * throws a message that says what to run (the worker then fails to boot, exit 3).
 */
export async function openAppDatabase(url: string): Promise<OpenDatabase> {
  const file = sqlitePath(url);
  if (file !== null && !existsSync(file)) {
    throw new Error(`the database at ${file} does not exist: run "oq-webui migrate" to create it`);
  }
  const sequelize = await openDatabase(url);
  const pending = await pendingMigrations(sequelize);
  if (pending.length > 0) {
    await sequelize.close();
    throw new Error(`the database at ${file ?? url} has pending migrations (${pending.join(', ')}): run "oq-webui migrate"`);
  }
  return { sequelize, models: initAccountModels(sequelize) };
}

/** Opens (creating it if needed) and migrates the database; returns it and what was applied. */
export async function openAndMigrate(url: string): Promise<OpenDatabase & { applied: string[] }> {
  const sequelize = await openDatabase(url, { create: true });
  const applied = await migrate(sequelize);
  return { sequelize, models: initAccountModels(sequelize), applied };
}
