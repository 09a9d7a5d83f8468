import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Sequelize } from 'sequelize';
import { sqlitePath } from './url.js';

/** How long a writer waits for SQLite's lock before giving up (N workers write at once). */
export const SQLITE_BUSY_TIMEOUT_MS = 15_000;

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
  const sqlite3 = await import('sqlite3');
  const mode = opts.create ? sqlite3.default.OPEN_READWRITE | sqlite3.default.OPEN_CREATE : sqlite3.default.OPEN_READWRITE;
  const db = new Sequelize({
    dialect: 'sqlite',
    storage: file,
    logging: false,
    dialectOptions: { mode },
    // one connection per process: sqlite3 serialises on it, WAL lets other processes read meanwhile
    pool: { max: 1, min: 0, idle: 60_000 },
    retry: { max: 10, match: [/SQLITE_BUSY/] },
  });
  await db.query(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  await db.query('PRAGMA journal_mode = WAL');
  await db.query('PRAGMA synchronous = NORMAL');
  await db.query('PRAGMA foreign_keys = ON');
  return db;
}
