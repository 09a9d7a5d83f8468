/**
 * The one file that knows PostgreSQL: opening it under Sequelize (the `pg` driver), and what
 * `oq-webui check` reports of it (reachable, its version, migrated).
 */
import { QueryTypes, Sequelize } from 'sequelize';
import { databaseWhere } from './errors.js';
import { pendingMigrations } from './migrator.js';
import { keepCauseInStack } from './stack.js';
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
