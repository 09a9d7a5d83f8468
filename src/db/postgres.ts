/**
 * What `oq-webui check` reports of a PostgreSQL DATABASE: reachable (its version) and migrated,
 * or what is wrong.
 */
import { QueryTypes } from 'sequelize';
import { openDatabase } from './connection.js';
import { databaseWhere } from './errors.js';
import { pendingMigrations } from './migrator.js';
import { sqlitePath } from './url.js';

/** A PostgreSQL DATABASE's state: reachable and migrated (`ok`), or the problem; null for SQLite. */
export async function postgresState(url: string): Promise<{ ok: true; text: string } | { ok: false; problem: string } | null> {
  if (sqlitePath(url) !== null) {
    return null;
  }
  const where = databaseWhere(url);
  let sequelize;
  try {
    sequelize = await openDatabase(url);
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
