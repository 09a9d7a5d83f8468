/**
 * The one file that knows PostgreSQL: opening it under Sequelize (the `pg` driver), the read path
 * of src/db/query.ts (prepared statements), and what `oq-webui check` reports of it.
 */
import { createHash } from 'node:crypto';
import { QueryTypes, Sequelize } from 'sequelize';
import { databaseWhere } from './errors.js';
import { pendingMigrations } from './migrator.js';
import { keepCauseInStack, withCause } from './stack.js';
import { sqlitePath } from './url.js';

/** Opens a `postgres://` DATABASE: Sequelize's pool over the `pg` driver. */
export function openPostgres(url: string): Sequelize {
  const db = new Sequelize(url, { logging: false });
  keepCauseInStack(db);
  return db;
}

/** A PostgreSQL DATABASE's state: reachable and migrated (`ok`), or the problem; null for SQLite. */
export async function postgresState(url: string): Promise<{ ok: true; text: string } | { ok: false; problem: string } | null> {
  if (sqlitePath(url) !== null) {
    return null;
  }
  const where = databaseWhere(url);
  let sequelize;
  try {
    sequelize = openPostgres(url);
    const [{ server_version: version }] = await sequelize.query<{ server_version: string }>('SHOW server_version', { type: QueryTypes.SELECT });
    const pending = await pendingMigrations(sequelize);
    if (pending.length > 0) {
      return { ok: false, problem: `DATABASE: PostgreSQL at ${where} has pending migrations (${pending.join(', ')}): run "oq-webui migrate"` };
    }
    return { ok: true, text: `PostgreSQL ${version} at ${where}: reachable, every migration applied` };
  } catch (err) {
    const cause = (err as { original?: Error }).original?.message ?? (err as Error).message;
    return { ok: false, problem: `DATABASE: PostgreSQL at ${where} is not reachable: ${cause}` };
  } finally {
    await sequelize?.close().catch(() => undefined);
  }
}

/** The part of a `pg` Client used here. */
interface PgClient {
  query(q: { name?: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
  _invalid?: boolean;
}

/** Sequelize's pool, as used here: the connection it hands out is a `pg` Client. */
interface PgPool {
  getConnection(o: { type: string }): Promise<PgClient>;
  releaseConnection(c: PgClient): Promise<void>;
}

/** SQL texts given a statement name (prepared once per connection); bounded: the hot queries are few, the rest run unnamed. */
const MAX_NAMED = 200;
const named = new Map<string, { name: string; text: string }>();

/** `?` placeholders as PostgreSQL's `$1, $2, ...` (none is inside a quoted literal). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/'(?:[^']|'')*'|\?/g, (m) => (m === '?' ? `$${++n}` : m));
}

/** The statement for `sql`: named while there is room (PostgreSQL keeps its plan per connection), else unnamed. */
function statementOf(sql: string): { name?: string; text: string } {
  let s = named.get(sql);
  if (s === undefined) {
    const text = numbered(sql);
    if (named.size >= MAX_NAMED) {
      return { text };
    }
    s = { name: `oq${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`, text };
    named.set(sql, s);
  }
  return s;
}

/**
 * Runs a SELECT with positional `?` parameters as a prepared statement on a connection of
 * Sequelize's pool (parsed and planned once per connection, the values sent apart from the text).
 */
export async function postgresSelect<T extends object>(sequelize: Sequelize, sql: string, params: unknown[]): Promise<T[]> {
  const pool = sequelize.connectionManager as unknown as PgPool;
  const client = await pool.getConnection({ type: 'SELECT' });
  try {
    const { name, text } = statementOf(sql);
    return (await client.query({ name, text, values: params.map((v) => (v === undefined ? null : v)) })).rows as T[];
  } catch (err) {
    if (typeof (err as { code?: unknown }).code !== 'string') {
      // no SQLSTATE: the connection itself failed; the pool must not hand it out again
      client._invalid = true;
    }
    throw withCause(err);
  } finally {
    await pool.releaseConnection(client);
  }
}
