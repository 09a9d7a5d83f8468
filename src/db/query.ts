/**
 * The one way src/data reads and writes: Sequelize models for plain rows, these functions for
 * SQL (the rule: docs/architecture.md, "One way to read and write"). Same interface on SQLite and PostgreSQL.
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import { postgresSelect } from './postgres.js';
import { sqliteSelect } from './sqlite.js';

/** Runs a SELECT with positional `?` parameters; resolves with plain rows. */
export function selectRows<T extends object>(sequelize: Sequelize, sql: string, params: unknown[]): Promise<T[]> {
  if (sequelize.getDialect() === 'sqlite') {
    return sqliteSelect<T>(sequelize, sql, params);
  }
  return postgresSelect<T>(sequelize, sql, params);
}

/**
 * Runs an `INSERT ... SELECT ... WHERE` that may insert one row or none; resolves with the new
 * id, or null when nothing was inserted (SQLite's lastID is stale then, so `changes` decides).
 */
export async function insertOneOrNone(sequelize: Sequelize, sql: string, replacements: unknown[]): Promise<number | null> {
  if (sequelize.getDialect() === 'postgres') {
    const rows = await sequelize.query<{ id: number }>(`${sql} RETURNING id`, { replacements, type: QueryTypes.SELECT });
    return rows.length === 0 ? null : Number(rows[0].id);
  }
  // sqlite: [lastID, changes]
  const [lastId, changes] = (await sequelize.query(sql, { replacements, type: QueryTypes.INSERT })) as unknown as [number, number];
  return changes === 1 ? Number(lastId) : null;
}

/** Runs an UPDATE or DELETE; resolves with the number of rows it changed, on every dialect. */
export async function changeRows(sequelize: Sequelize, sql: string, replacements: unknown[]): Promise<number> {
  const type = /^\s*delete/i.test(sql) ? QueryTypes.BULKDELETE : QueryTypes.BULKUPDATE;
  return Number(await sequelize.query(sql, { replacements, type }));
}

/** `?, ?, ?` for n values. */
export function marks(n: number): string {
  return Array.from({ length: n }, () => '?').join(',');
}

/** Whether the database takes `NOT INDEXED` (SQLite): a table walked in rowid order, stopping at a LIMIT. */
export function walksTables(sequelize: Sequelize): boolean {
  return sequelize.getDialect() === 'sqlite';
}

/** What a claim changes and on which rows (SQL pieces of src/data, with `?` parameters). */
export interface Claim {
  table: string;
  set: string;
  where: string;
  orderBy: string;
}

/**
 * Changes the first row (in `orderBy` order) that `where` selects: its id, or null when none.
 * One row goes to one caller even when the runners of several hosts claim at once: PostgreSQL
 * locks it FOR UPDATE SKIP LOCKED (a second claimer takes the next row instead of waiting, and a
 * row changed meanwhile is checked against `where` again); SQLite runs the one statement under
 * its write lock.
 */
export async function claimFirstRow(sequelize: Sequelize, claim: Claim, setParams: unknown[], whereParams: unknown[]): Promise<number | null> {
  const lock = sequelize.getDialect() === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
  const sql = `UPDATE ${claim.table} SET ${claim.set} WHERE id = (SELECT id FROM ${claim.table} WHERE ${claim.where} ORDER BY ${claim.orderBy} LIMIT 1${lock}) RETURNING id`;
  const rows = await sequelize.query<{ id: number }>(sql, { replacements: [...setParams, ...whereParams], type: QueryTypes.SELECT });
  return rows.length === 0 ? null : Number(rows[0].id);
}

/** The database's clock in milliseconds since 1970, as an SQL expression (one clock for every host of a shared database). */
export function nowMsSql(sequelize: Sequelize): string {
  return sequelize.getDialect() === 'postgres'
    ? '(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint'
    : "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";
}
