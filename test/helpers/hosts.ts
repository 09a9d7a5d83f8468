/**
 * Several hosts on one PostgreSQL, set up as README "Several hosts" says: a role that owns its
 * database, `oq-webui migrate` run once, then two complete servers (two masters, two ports,
 * two pidfiles and control sockets, two log folders, each its own ENGINE_DATA_DIR) with the
 * same settings: the same `postgres://` DATABASE, the same DATA_DIR (the calculation folders
 * every host mounts), one SECRET_KEY. On one machine the "hosts" share the loopback address.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startPostgres, type PostgresCluster } from './postgres.js';
import { BIN, startServer, tempDir, type RunningServer, type StartOptions } from './server.js';

const run = promisify(execFile);

/** The two hosts, what they share, and how to stop them. */
export interface Hosts {
  a: RunningServer;
  b: RunningServer;
  /** [a, b]. */
  hosts: RunningServer[];
  /** The cluster (started here unless the caller gave one). */
  cluster: PostgresCluster;
  /** The DATABASE every host uses: `postgres://oq_webui:...@127.0.0.1:PORT/NAME`. */
  database: string;
  /** The DATA_DIR every host uses (the shared calculation folders). */
  dataDir: string;
  /** The SECRET_KEY every host uses. */
  secretKey: string;
  /** Stops both hosts (those not stopped yet), removes the shared folder and (if started here) the cluster. */
  stop(): Promise<void>;
}

/** Options of startHosts. */
export interface HostsOptions {
  /** HTTP workers per host (default 1). */
  workers?: number;
  /** Settings every host gets (on top of the shared ones). */
  settings?: Record<string, unknown>;
  /** Settings of one host (index 0 = a, 1 = b), on top of `settings`. */
  hostSettings?: (index: number) => Record<string, unknown>;
  /** Other startServer options (env, args) for every host. */
  start?: Omit<StartOptions, 'settings' | 'dataDir' | 'workers'>;
  /** A cluster of the caller's (kept running by stop()); default: a throwaway one started and stopped here. */
  cluster?: PostgresCluster;
}

let created = 0;

/**
 * README "Several hosts" step 1: a login role without superuser rights owning its database (the
 * throwaway cluster trusts loopback, so the password is not checked here); its URL.
 */
export async function createHostsDatabase(cluster: PostgresCluster): Promise<string> {
  const name = `hosts${process.pid}_${++created}`;
  const role = `oq_webui_${name}`;
  const password = randomBytes(12).toString('hex');
  await cluster.psql('postgres', `CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
  await cluster.psql('postgres', `CREATE DATABASE ${name} OWNER ${role} ENCODING 'UTF8'`);
  return `postgres://${role}:${password}@127.0.0.1:${cluster.port}/${name}`;
}

/** Starts two hosts on one (new) database; stop() them in after() even when a test failed. */
export async function startHosts(opts: HostsOptions = {}): Promise<Hosts> {
  const cluster = opts.cluster ?? await startPostgres();
  const ownCluster = opts.cluster === undefined;
  const shared = tempDir('oq-webui-hosts-');
  const dataDir = join(shared, 'data');
  mkdirSync(dataDir);
  const servers: RunningServer[] = [];
  const stop = async (): Promise<void> => {
    try {
      await Promise.all(servers.map((s) => s.stop()));
    } finally {
      rmSync(shared, { recursive: true, force: true });
      if (ownCluster) {
        await cluster.stop();
      }
    }
  };
  try {
    const database = await createHostsDatabase(cluster);
    // step 5: `migrate` on one host, before any host serves
    await run(process.execPath, [BIN, 'migrate', '--database', database]);
    // step 2: the same settings on every host
    const secretKey = randomBytes(40).toString('base64url');
    const common = { DATABASE: database, SECRET_KEY: secretKey, USE_REVERSE_PROXY: true, ...(opts.settings ?? {}) };
    const started = await Promise.allSettled([0, 1].map((i) => startServer({
      ...(opts.start ?? {}),
      workers: opts.workers ?? 1,
      dataDir,
      // step 3: the engine's own job database stays on each host's local disk
      settings: { ...common, ENGINE_DATA_DIR: join(shared, `engine-${'ab'[i]}`), ...(opts.hostSettings?.(i) ?? {}) },
    })));
    for (const r of started) {
      if (r.status === 'fulfilled') {
        servers.push(r.value);
      }
    }
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      throw failed.reason;
    }
    const [a, b] = servers;
    return { a, b, hosts: [a, b], cluster, database, dataDir, secretKey, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
