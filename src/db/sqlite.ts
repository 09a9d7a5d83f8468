/**
 * The one file that knows the SQLite drivers: node-sqlite3 under Sequelize (writes, models,
 * migrations) and better-sqlite3 for reads (src/db/query.ts; why: docs/architecture.md).
 */
import { createRequire } from 'node:module';
import { LRUCache } from 'lru-cache';
import { Sequelize } from 'sequelize';
import { keepCauseInStack, withCause } from './stack.js';

/** How long a writer waits for SQLite's lock before giving up (N workers write at once). */
export const SQLITE_BUSY_TIMEOUT_MS = 15_000;

type Callback = (err: Error | null, rows?: unknown[]) => void;

/** The part of a node-sqlite3 Database used here. */
interface Connection {
  all: (sql: string, ...args: unknown[]) => unknown;
  configure(option: 'busyTimeout', ms: number): void;
  run(sql: string, cb: (err: Error | null) => void): unknown;
}

/** Opens a SQLite file with Sequelize: one shared connection, WAL, busy timeout on every connection. */
export async function openSqlite(file: string, create: boolean): Promise<Sequelize> {
  const sqlite3 = (await import('sqlite3')).default;
  const mode = create ? sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE : sqlite3.OPEN_READWRITE;
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
  keepCauseInStack(db);
  await db.query('PRAGMA journal_mode = WAL');
  return db;
}

/**
 * Sequelize's SQLite dialect opens a connection per transaction besides the shared one and
 * runs no hook on them, so every connection it hands out is set up here.
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

/** Makes `conn.all` answer repeated `PRAGMA table_info(...)` from a per-connection cache. */
function cacheTableInfo(conn: Connection): void {
  const cache = new LRUCache<string, unknown[]>({ max: 100 });
  const all = conn.all.bind(conn);
  conn.all = (sql: string, ...args: unknown[]) => {
    const cb = args[args.length - 1];
    if (!/^PRAGMA table_info\(/i.test(sql) || typeof cb !== 'function') {
      return all(sql, ...args);
    }
    const hit = cache.get(sql);
    if (hit) {
      process.nextTick(cb as Callback, null, hit);
      return conn;
    }
    return all(sql, ...args.slice(0, -1), (err: Error | null, rows?: unknown[]) => {
      if (!err && rows) {
        cache.set(sql, rows);
      }
      (cb as Callback)(err, rows);
    });
  };
}

/** The driver's own words for a failure (`SQLITE_NOTADB: file is not a database`), else the message. */
export function driverCause(err: unknown): string {
  const e = err as { original?: Error; parent?: Error; message?: string };
  return (e.original ?? e.parent)?.message ?? e.message ?? String(err);
}

/** Sequelize's text form of a date in SQLite ('2025-01-31 14:05:09.123 +00:00'), so comparisons match stored values. */
export function sqliteDate(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', ' +00:00');
}

/** A value as SQLite takes it: dates as Sequelize writes them, booleans as 0/1, undefined as NULL (as node-sqlite3 bound it). */
function bindable(v: unknown): unknown {
  if (v === undefined) {
    return null;
  }
  if (v instanceof Date) {
    return sqliteDate(v);
  }
  if (typeof v === 'boolean') {
    return v ? 1 : 0;
  }
  return v;
}

/**
 * How long a read waits for a lock. Readers of a WAL database wait only while another connection
 * recovers the log after a crash; the wait blocks the process (better-sqlite3 is synchronous),
 * so it is kept shorter than the writers' timeout and well under the worker timeout.
 */
const READER_BUSY_TIMEOUT_MS = 5_000;

/** The part of better-sqlite3 used here (its own types lag its majors). */
interface ReaderDb {
  prepare(sql: string): { all(params: unknown[]): unknown[] };
  close(): void;
}

/** The reading connection of one database in this process, and its prepared statements (bounded: the hot queries are few). */
interface Reader {
  db: ReaderDb;
  statements: LRUCache<string, ReturnType<ReaderDb['prepare']>>;
}

const readers = new WeakMap<Sequelize, Reader>();

/** This process's reading connection to `sequelize`'s SQLite file, opened at first use and closed with Sequelize. */
function readerOf(sequelize: Sequelize, file: string): Reader {
  let r = readers.get(sequelize);
  if (r === undefined) {
    const Database = createRequire(import.meta.url)('better-sqlite3') as new (file: string, o: object) => ReaderDb;
    r = { db: new Database(file, { fileMustExist: true, timeout: READER_BUSY_TIMEOUT_MS }), statements: new LRUCache({ max: 200 }) };
    readers.set(sequelize, r);
    const close = sequelize.close.bind(sequelize);
    const reader = r;
    sequelize.close = async () => {
      readers.delete(sequelize);
      reader.db.close();
      await close();
    };
  }
  return r;
}

/**
 * Runs a SELECT with positional `?` parameters: on this process's reading connection
 * (synchronous, statements prepared once, reset after each run so no snapshot outlives it), or
 * on Sequelize's shared connection for an in-memory database (a second one would be empty).
 */
export async function sqliteSelect<T extends object>(sequelize: Sequelize, sql: string, params: unknown[]): Promise<T[]> {
  const storage = (sequelize as unknown as { options: { storage?: string } }).options.storage;
  if (!storage || storage === ':memory:') {
    return selectOnShared<T>(sequelize, sql, params);
  }
  try {
    const reader = readerOf(sequelize, storage);
    let statement = reader.statements.get(sql);
    if (statement === undefined) {
      statement = reader.db.prepare(sql);
      reader.statements.set(sql, statement);
    }
    return statement.all(params.map(bindable)) as T[];
  } catch (err) {
    throw withCause(driverError(err));
  }
}

/** Runs a SELECT on the connection Sequelize shares (an in-memory database has no other). */
async function selectOnShared<T extends object>(sequelize: Sequelize, sql: string, params: unknown[]): Promise<T[]> {
  const manager = sequelize.connectionManager as unknown as { getConnection(o: object): Promise<Connection> };
  const conn = await manager.getConnection({ uuid: 'default' });
  return new Promise((resolve, reject) => {
    conn.all(sql, params.map(bindable), (err: Error | null, rows?: unknown[]) => (err ? reject(withCause(err)) : resolve((rows ?? []) as T[])));
  });
}

/** better-sqlite3's error with node-sqlite3's wording (`SQLITE_NOTADB: file is not a database`), which messages and logs show. */
function driverError(err: unknown): unknown {
  const e = err as { code?: unknown; message?: unknown };
  if (err instanceof Error && typeof e.code === 'string' && e.code.startsWith('SQLITE_') && !err.message.startsWith(e.code)) {
    err.message = `${e.code}: ${err.message}`;
  }
  return err;
}

/** `PRAGMA quick_check`: [] when the file is sound, else what SQLite found (one line each). */
export async function quickCheck(sequelize: Sequelize): Promise<string[]> {
  if (sequelize.getDialect() !== 'sqlite') {
    return [];
  }
  const rows = await sqliteSelect<{ quick_check: string }>(sequelize, 'PRAGMA quick_check', []);
  const lines = rows.map((r) => String(Object.values(r)[0]));
  return lines.length === 1 && lines[0] === 'ok' ? [] : lines;
}
