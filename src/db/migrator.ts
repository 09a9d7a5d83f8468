import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DataTypes, QueryTypes, Transaction, type ModelStatic, type Model, type QueryInterface, type Sequelize } from 'sequelize';

/**
 * A migration file exports `up` (there is no downgrade: restore the backup taken before). Every statement must pass `{ transaction }`: the
 * migration and the row that records it commit together or not at all. On SQLite a statement
 * without it would go to another connection and wait for the transaction's lock; and foreign
 * keys stay enforced (PRAGMA foreign_keys is a no-op inside a transaction), so a migration must
 * not DROP a table others reference (the implicit delete cascades): Sequelize's removeColumn and
 * changeColumn on SQLite do, write those as new table + copy + rename instead.
 */
export interface Migration {
  up(qi: QueryInterface, sequelize: Sequelize, transaction: Transaction): Promise<void>;
}

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
/** Where the applied migrations are recorded (the table umzug made, one row per migration, kept as it was). */
const STORAGE_TABLE = 'oq_webui_migrations';
/** PostgreSQL advisory lock key of `migrate` (any constant no other program of the database uses). */
export const MIGRATE_LOCK = 0x6f717765;

/** The migration names (files NNNN_name.js), in the order they apply. */
function migrationNames(): string[] {
  return readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{4}_.*\.js$/.test(f)).sort().map((f) => f.replace(/\.js$/, ''));
}

/** The storage table's model, defined as umzug's SequelizeStorage defined it (same DDL on every dialect). */
function storageModel(sequelize: Sequelize): ModelStatic<Model> {
  if (sequelize.isDefined('SequelizeMeta')) {
    return sequelize.model('SequelizeMeta');
  }
  return sequelize.define('SequelizeMeta', {
    name: { type: DataTypes.STRING, allowNull: false, unique: true, primaryKey: true, autoIncrement: false },
  }, { tableName: STORAGE_TABLE, timestamps: false });
}

/** Names of the migrations not yet applied (the storage table read directly: a worker checks this at boot). */
export async function pendingMigrations(sequelize: Sequelize): Promise<string[]> {
  const tables = await sequelize.getQueryInterface().showAllTables();
  const applied = new Set<string>();
  if ((tables as unknown[]).map((t) => (typeof t === 'string' ? t : (t as { tableName: string }).tableName)).includes(STORAGE_TABLE)) {
    const rows = await sequelize.query<{ name: string }>(`SELECT name FROM ${STORAGE_TABLE}`, { type: QueryTypes.SELECT });
    rows.forEach((r) => applied.add(r.name));
  }
  return migrationNames().filter((name) => !applied.has(name));
}

/**
 * Runs `fn` while no other `migrate` runs on the same database. SQLite needs nothing more: each
 * migration's transaction takes the write lock at its start and checks its row again. A shared
 * PostgreSQL needs an advisory lock held here, around the whole run.
 */
async function exclusively<T>(sequelize: Sequelize, fn: () => Promise<T>): Promise<T> {
  if (sequelize.getDialect() !== 'postgres') {
    return fn();
  }
  // a transaction-level lock on a connection of its own, held until fn is done; a second migrate
  // waits here, then finds every migration recorded (the migrations run on other connections)
  return sequelize.transaction(async (transaction) => {
    await sequelize.query(`SELECT pg_advisory_xact_lock(${MIGRATE_LOCK})`, { transaction });
    return fn();
  });
}

/**
 * Applies the pending migrations, each in one transaction with the row that records it, so that
 * a `migrate` killed anywhere leaves every migration either applied and recorded or not at all,
 * and a rerun finishes the job. Returns the names applied (none when up to date).
 */
export async function migrate(sequelize: Sequelize): Promise<string[]> {
  return exclusively(sequelize, async () => {
    const storage = storageModel(sequelize);
    // CREATE TABLE IF NOT EXISTS: harmless to repeat after a kill
    await storage.sync();
    const applied: string[] = [];
    for (const name of await pendingMigrations(sequelize)) {
      const migration = (await import(pathToFileURL(join(MIGRATIONS_DIR, `${name}.js`)).href)) as Migration;
      // IMMEDIATE (SQLite): the write lock from the start, so the check below sees what another migrate committed
      const done = await sequelize.transaction({ type: Transaction.TYPES.IMMEDIATE }, async (transaction) => {
        if (await storage.findByPk(name, { transaction })) {
          return false;
        }
        await migration.up(sequelize.getQueryInterface(), sequelize, transaction);
        await storage.create({ name }, { transaction });
        return true;
      }).catch((err: Error) => {
        throw new Error(`Migration ${name} failed: ${err.message}`, { cause: err });
      });
      if (done) {
        applied.push(name);
      }
    }
    return applied;
  });
}
