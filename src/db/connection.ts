import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Sequelize } from 'sequelize';
import { openPostgres } from './postgres.js';
import { openSqlite } from './sqlite.js';
import { sqlitePath } from './url.js';

export { SQLITE_BUSY_TIMEOUT_MS } from './sqlite.js';
export { sqlitePath } from './url.js';

/**
 * Opens the database of the DATABASE setting. SQLite runs in WAL mode with a busy timeout,
 * so concurrent writers from several workers wait for each other instead of failing.
 */
export async function openDatabase(url: string, opts: { create?: boolean } = {}): Promise<Sequelize> {
  const file = sqlitePath(url);
  if (file === null) {
    return openPostgres(url);
  }
  if (opts.create) {
    mkdirSync(dirname(file), { recursive: true });
  }
  return openSqlite(file, opts.create ?? false);
}
