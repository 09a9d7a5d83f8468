/**
 * A throwaway PostgreSQL cluster for tests: Debian's server binaries (.ci/run installs
 * `postgresql`), `initdb` into a temp folder as an unprivileged user (`nobody` when the tests run
 * as root: PostgreSQL refuses to run as root), `pg_ctl start` on a free loopback port with no
 * unix socket, trust authentication on loopback only; `stop()` stops it and removes the folder.
 */
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, tempDir } from './server.js';

const run = promisify(execFile);

/** The folder of the PostgreSQL server programs (PG_BIN, else Debian's newest), or null. */
export function postgresBin(): string | null {
  if (process.env.PG_BIN) {
    return existsSync(join(process.env.PG_BIN, 'initdb')) ? process.env.PG_BIN : null;
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => join(root, v, 'bin')).find((bin) => existsSync(join(bin, 'initdb')));
  return found ?? null;
}

/** A running throwaway cluster. */
export interface PostgresCluster {
  port: number;
  dir: string;
  /** `postgres://postgres@127.0.0.1:PORT/NAME`. */
  url(database: string): string;
  /** CREATE DATABASE (a fresh, empty one per test group). */
  createDatabase(name: string): Promise<string>;
  /** Runs SQL through psql (as the superuser), its output unaligned. */
  psql(database: string, sql: string): Promise<string>;
  /** pg_ctl stop (fast: open sessions are ended) and start again on the same port. */
  restart(): Promise<void>;
  /** pg_ctl stop (fast): the server is down until resume(). */
  pause(): Promise<void>;
  /** pg_ctl start again on the same port, after pause(). */
  resume(): Promise<void>;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

/** The user the server runs as: ourselves, or `nobody` when we are root. */
function runAs(): { uid?: number; gid?: number } {
  return process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
}

/** Starts a throwaway cluster (a few seconds: initdb, then the server). */
export async function startPostgres(): Promise<PostgresCluster> {
  const bin = postgresBin();
  if (bin === null) {
    throw new Error('no PostgreSQL server programs (apt-get install postgresql, or set PG_BIN)');
  }
  const dir = tempDir('oq-webui-pg-');
  const user = runAs();
  if (user.uid !== undefined) {
    chownSync(dir, user.uid, user.gid as number);
  }
  chmodSync(dir, 0o700);
  const data = join(dir, 'data');
  const port = await freePort();
  const opts = { ...user, cwd: dir, env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' } };
  await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], opts);
  const server = ['-c', 'listen_addresses=127.0.0.1', '-c', `port=${port}`, '-c', "unix_socket_directories=''", '-c', 'fsync=off'].join(' ');
  const start = (): Promise<unknown> => run(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-o', server, '-w', '-t', '60', 'start'], opts);
  await start();
  const psql = async (database: string, sql: string): Promise<string> => {
    const { stdout } = await run(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-At', '-c', sql], opts);
    return stdout.trim();
  };
  const url = (database: string): string => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const pause = async (): Promise<void> => {
    await run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop'], opts);
  };
  const resume = async (): Promise<void> => {
    await start();
  };
  return {
    port,
    dir,
    url,
    psql,
    async createDatabase(name) {
      await psql('postgres', `CREATE DATABASE "${name}"`);
      return url(name);
    },
    async restart() {
      await pause();
      await resume();
    },
    pause,
    resume,
    async stop() {
      try {
        await run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], opts);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Set by test/pg/ for a second pass of other test folders: the throwaway cluster's `postgres://.../` base URL. */
export const TEST_POSTGRES_ENV = 'OQ_WEBUI_TEST_POSTGRES';

let databases = 0;

/** The database made for each key (a server's folder started again, a second connection of one test). */
const byKey = new Map<string, string>();

/**
 * With TEST_POSTGRES_ENV set: a new, migrated database on that cluster for one server (each
 * server of a test gets its own, as each gets its own SQLite file otherwise), the same one again
 * for the same `key` (a server started again in its folder); else null.
 */
export async function testPostgresDatabase(key?: string): Promise<string | null> {
  const base = process.env[TEST_POSTGRES_ENV];
  if (!base) {
    return null;
  }
  const known = key === undefined ? undefined : byKey.get(key);
  if (known !== undefined) {
    return known;
  }
  const { default: pg } = await import('pg');
  const name = `t${process.pid}_${++databases}`;
  const admin = new pg.Client({ connectionString: `${base}postgres` });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = `${base}${name}`;
  const { BIN } = await import('./server.js');
  await run(process.execPath, [BIN, 'migrate', '--database', url]);
  if (key !== undefined) {
    byKey.set(key, url);
  }
  return url;
}
