import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { QueryTypes, type QueryInterface, type Sequelize } from 'sequelize';
import type { Umzug } from 'umzug';

/** A migration file exports `up` (and `down`), each given sequelize's QueryInterface. */
export interface Migration {
  up(qi: QueryInterface, sequelize: Sequelize): Promise<void>;
  down(qi: QueryInterface, sequelize: Sequelize): Promise<void>;
}

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
/** Where umzug records what was applied. */
const STORAGE_TABLE = 'oq_webui_migrations';

/** The migration files, in the order they apply. */
function migrationFiles(): string[] {
  return readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{4}_.*\.js$/.test(f)).sort();
}

/**
 * The versioned migrations (dist/src/db/migrations/NNNN_name.js), applied in name order.
 * umzug is loaded only here: a web worker, which only checks, never loads it (about 25 MB
 * and a tenth of a second of its boot, docs/performance.md).
 */
export async function createMigrator(sequelize: Sequelize): Promise<Umzug<QueryInterface>> {
  const { SequelizeStorage, Umzug } = await import('umzug');
  const files = migrationFiles();
  return new Umzug({
    migrations: files.map((f) => ({
      name: f.replace(/\.js$/, ''),
      up: async ({ context }) => ((await import(pathToFileURL(join(MIGRATIONS_DIR, f)).href)) as Migration).up(context, sequelize),
      down: async ({ context }) => ((await import(pathToFileURL(join(MIGRATIONS_DIR, f)).href)) as Migration).down(context, sequelize),
    })),
    context: sequelize.getQueryInterface(),
    storage: new SequelizeStorage({ sequelize, tableName: STORAGE_TABLE }),
    logger: undefined,
  });
}

/** Names of the migrations not yet applied (umzug's storage table read directly: what umzug's pending() answers). */
export async function pendingMigrations(sequelize: Sequelize): Promise<string[]> {
  const tables = await sequelize.getQueryInterface().showAllTables();
  const applied = new Set<string>();
  if ((tables as unknown[]).map((t) => (typeof t === 'string' ? t : (t as { tableName: string }).tableName)).includes(STORAGE_TABLE)) {
    const rows = await sequelize.query<{ name: string }>(`SELECT name FROM ${STORAGE_TABLE}`, { type: QueryTypes.SELECT });
    rows.forEach((r) => applied.add(r.name));
  }
  return migrationFiles().map((f) => f.replace(/\.js$/, '')).filter((name) => !applied.has(name));
}

/** Applies pending migrations; returns the names applied (none when up to date). */
export async function migrate(sequelize: Sequelize): Promise<string[]> {
  return (await (await createMigrator(sequelize)).up()).map((m) => m.name);
}
