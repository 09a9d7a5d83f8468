/**
 * Read queries on the hot paths (the calculation list, loading a job) straight through the
 * SQLite driver. Sequelize's SQLite dialect runs `PRAGMA TABLE_INFO` before every model SELECT
 * and wraps each query in `serialize()`, which costs more than the query itself; the driver
 * answers a list page several times faster. Other databases go through sequelize.query.
 */
import { QueryTypes, type Sequelize } from 'sequelize';

/** What the sqlite3 driver's Database offers that we use. */
interface SqliteDatabase {
  all(sql: string, params: unknown[], cb: (err: Error | null, rows: unknown[]) => void): void;
}

/** Sequelize's text form of a date in SQLite ('2025-01-31 14:05:09.123 +00:00'), so comparisons match stored values. */
export function sqliteDate(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', ' +00:00');
}

function bindable(v: unknown): unknown {
  if (v instanceof Date) {
    return sqliteDate(v);
  }
  if (typeof v === 'boolean') {
    return v ? 1 : 0;
  }
  return v;
}

/** Runs a SELECT with positional `?` parameters; resolves with plain rows. */
export async function selectRows<T extends object>(sequelize: Sequelize, sql: string, params: unknown[]): Promise<T[]> {
  if (sequelize.getDialect() !== 'sqlite') {
    return sequelize.query<T>(sql, { replacements: params, type: QueryTypes.SELECT, raw: true });
  }
  // the shared connection sequelize opened (busy_timeout, WAL and foreign keys set on it)
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- connectionManager is not in sequelize's public types
  const conn = (await (sequelize as any).connectionManager.getConnection({ uuid: 'default' })) as SqliteDatabase;
  return new Promise((resolve, reject) => {
    conn.all(sql, params.map(bindable), (err, rows) => (err ? reject(err) : resolve(rows as T[])));
  });
}
