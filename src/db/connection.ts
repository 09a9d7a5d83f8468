import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Sequelize } from 'sequelize';
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
    // postgres://... : sequelize needs the `pg` package installed beside us.
    return new Sequelize(url, { logging: false });
  }
  if (opts.create) {
    mkdirSync(dirname(file), { recursive: true });
  }
  return openSqlite(file, opts.create ?? false);
}
