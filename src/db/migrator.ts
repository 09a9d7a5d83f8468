import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { QueryInterface, Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';

/** A migration file exports `up` (and `down`), each given sequelize's QueryInterface. */
export interface Migration {
  up(qi: QueryInterface, sequelize: Sequelize): Promise<void>;
  down(qi: QueryInterface, sequelize: Sequelize): Promise<void>;
}

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** The versioned migrations (dist/src/db/migrations/NNNN_name.js), applied in name order. */
export function createMigrator(sequelize: Sequelize): Umzug<QueryInterface> {
  const files = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{4}_.*\.js$/.test(f)).sort();
  return new Umzug({
    migrations: files.map((f) => ({
      name: f.replace(/\.js$/, ''),
      up: async ({ context }) => ((await import(pathToFileURL(join(MIGRATIONS_DIR, f)).href)) as Migration).up(context, sequelize),
      down: async ({ context }) => ((await import(pathToFileURL(join(MIGRATIONS_DIR, f)).href)) as Migration).down(context, sequelize),
    })),
    context: sequelize.getQueryInterface(),
    storage: new SequelizeStorage({ sequelize, tableName: 'oq_webui_migrations' }),
    logger: undefined,
  });
}

/** Names of the migrations not yet applied. */
export async function pendingMigrations(sequelize: Sequelize): Promise<string[]> {
  return (await createMigrator(sequelize).pending()).map((m) => m.name);
}

/** Applies pending migrations; returns the names applied (none when up to date). */
export async function migrate(sequelize: Sequelize): Promise<string[]> {
  return (await createMigrator(sequelize).up()).map((m) => m.name);
}
