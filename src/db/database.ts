import { existsSync } from 'node:fs';
import type { Sequelize } from 'sequelize';
import { openDatabase, sqlitePath } from './connection.js';
import { databaseMissing } from './errors.js';
import { migrate, pendingMigrations } from './migrator.js';
import { initAccountModels, type AccountModels } from './models/index.js';
import { driverCause, quickCheck } from './sqlite.js';

/** The database a command or the app works on, with its account models bound. */
export interface OpenDatabase {
  sequelize: Sequelize;
  models: AccountModels;
}

/** The DATABASE URL used when the setting is not given. */
export { defaultDatabaseUrl } from './url.js';

/** Opens the database and asks it for its migrations; a failure names the driver's cause and the file. */
async function openChecked(url: string, create: boolean): Promise<{ sequelize: Sequelize; pending: string[] }> {
  const where = sqlitePath(url) ?? url;
  let sequelize: Sequelize | null = null;
  try {
    sequelize = await openDatabase(url, { create });
    return { sequelize, pending: await pendingMigrations(sequelize) };
  } catch (err) {
    await sequelize?.close().catch(() => undefined);
    throw new Error(`the database at ${where} cannot be used: ${driverCause(err)}`, { cause: err });
  }
}

/**
 * Opens the DATABASE for serving: it must exist and be fully migrated, otherwise this throws a
 * message that names the cause (its folder or file missing, the driver's words, the pending
 * migrations) and what to do; never creates anything.
 */
export async function openAppDatabase(url: string): Promise<OpenDatabase> {
  const file = sqlitePath(url);
  if (file !== null && !existsSync(file)) {
    throw databaseMissing(url);
  }
  const { sequelize, pending } = await openChecked(url, false);
  if (pending.length > 0) {
    await sequelize.close();
    throw new Error(`the database at ${file ?? url} has pending migrations (${pending.join(', ')}): run "oq-webui migrate"`);
  }
  return { sequelize, models: initAccountModels(sequelize) };
}

/** Opens (creating it if needed) and migrates the database; returns it and what was applied. */
export async function openAndMigrate(url: string): Promise<OpenDatabase & { applied: string[] }> {
  const { sequelize } = await openChecked(url, true);
  const applied = await migrate(sequelize);
  return { sequelize, models: initAccountModels(sequelize), applied };
}

/**
 * What `oq-webui check` says of the DATABASE: [] when it is sound or does not exist yet (the
 * first start creates it); else the driver's cause (a file that is not a database) or what
 * `PRAGMA quick_check` found (corrupt pages behind a valid header).
 */
export async function checkDatabase(url: string): Promise<string[]> {
  const file = sqlitePath(url);
  if (file === null || !existsSync(file)) {
    return [];
  }
  let sequelize: Sequelize | null = null;
  try {
    sequelize = await openDatabase(url);
    const found = await quickCheck(sequelize);
    return found.map((line) => `DATABASE: PRAGMA quick_check on ${file}: ${line}`);
  } catch (err) {
    return [`DATABASE: the database at ${file} cannot be used: ${driverCause(err)}`];
  } finally {
    await sequelize?.close().catch(() => undefined);
  }
}
