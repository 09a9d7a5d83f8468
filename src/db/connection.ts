import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Sequelize } from 'sequelize';
import { sqlitePath } from './url.js';
import { cacheTableInfo, type SqliteConnection } from './table-info-cache.js';

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
  prepareEveryConnection(db);
  await db.query('PRAGMA journal_mode = WAL');
  return db;
}

type Connection = SqliteConnection & { configure(option: 'busyTimeout', ms: number): void; run(sql: string, cb: (err: Error | null) => void): unknown };

/**
 * Sequelize's SQLite dialect opens a connection per transaction besides the shared one and
 * runs no hook on them, so every connection it hands out is set up here: the busy timeout
 * (node-sqlite3's default is 1 s), synchronous=NORMAL (safe in WAL mode), the table_info cache.
 */
function prepareEveryConnection(db: Sequelize): void {
  const manager = db.connectionManager as unknown as { getConnection(o: object): Promise<Connection> };
  const get = manager.getConnection.bind(manager);
  const prepared = new WeakSet<Connection>();
  manager.getConnection = async (options: object) => {
    const conn = await get(options);
    if (!prepared.has(conn)) {
      prepared.add(conn);
      conn.configure('busyTimeout', SQLITE_BUSY_TIMEOUT_MS);
      // a callback, so that a failure (a file that is not a database) is not an unhandled 'error' event:
      // the first real query reports it
      conn.run('PRAGMA synchronous = NORMAL', () => undefined);
      cacheTableInfo(conn);
    }
    return conn;
  };
}
