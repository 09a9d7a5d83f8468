/**
 * Sequelize's SQLite dialect asks `PRAGMA table_info(<table>)` before EVERY model SELECT (to
 * know the column types it parses), doubling the queries of each read. A table's columns only
 * change through migrations, which never run inside a serving process (workers refuse a
 * database with pending migrations), so each connection keeps the first answer per table.
 */

type Callback = (err: Error | null, rows?: unknown[]) => void;
/** The part of a node-sqlite3 Database this module touches. */
export interface SqliteConnection {
  all: (sql: string, ...args: unknown[]) => unknown;
}

const PATCHED = Symbol('oq-webui.tableInfoCache');

/** Makes `conn.all` answer repeated `PRAGMA table_info(...)` from a per-connection cache. */
export function cacheTableInfo(conn: SqliteConnection & { [PATCHED]?: boolean }): void {
  if (conn[PATCHED]) {
    return;
  }
  conn[PATCHED] = true;
  const cache = new Map<string, unknown[]>();
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
