import { spawn, spawnSync } from 'node:child_process';
import { expect } from 'chai';
import pg from 'pg';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.js';
import { BIN, sleep } from '../helpers/server.js';

/** Everything a migrated PostgreSQL database is made of: columns, indexes, constraints, triggers, functions, recorded migrations, the auth epoch's row. */
const SNAPSHOT = [
  "SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2",
  "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
  "SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1",
  'SELECT tgname, pg_get_triggerdef(oid) AS def FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1',
  "SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY 1",
  'SELECT name FROM oq_webui_migrations ORDER BY 1',
  'SELECT * FROM auth_epoch',
];

async function snapshot(url: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const out: unknown[] = [];
    for (const sql of SNAPSHOT) {
      out.push((await client.query(sql)).rows);
    }
    return out;
  } finally {
    await client.end();
  }
}

function migrateSync(url: string): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [BIN, 'migrate', '--database', url], { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('PostgreSQL: a migrate killed at any point is finished by a rerun', function () {
  this.timeout(300_000);
  let cluster: PostgresCluster;
  let watcher: pg.Client;

  before(async () => {
    cluster = await startPostgres();
    watcher = new pg.Client({ connectionString: cluster.url('postgres') });
    await watcher.connect();
  });

  after(async () => {
    await watcher?.end();
    await cluster?.stop();
  });

  it('SIGKILL at increasing delays once migrate has connected, then migrate again: the schema of a clean migrate', async () => {
    const clean = await cluster.createDatabase('clean');
    expect(migrateSync(clean).status).to.equal(0);
    const want = await snapshot(clean);
    const recorded: number[] = [];
    for (let n = 0, delay = 0; ; n++, delay += 8) {
      const name = `killed_${n}`;
      const url = await cluster.createDatabase(name);
      const child = spawn(process.execPath, [BIN, 'migrate', '--database', url], { stdio: 'ignore' });
      let done = false;
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => { done = true; resolve(signal); }));
      // from the moment it holds a connection to its database
      while (!done && Number((await watcher.query('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1', [name])).rows[0].n) === 0) {
        await sleep(1);
      }
      await sleep(delay);
      child.kill('SIGKILL');
      if ((await exited) !== 'SIGKILL') {
        break;
      }
      const hasTable = (await cluster.psql(name, "SELECT to_regclass('oq_webui_migrations') IS NOT NULL")) === 't';
      recorded.push(hasTable ? Number(await cluster.psql(name, 'SELECT count(*) FROM oq_webui_migrations')) : -1);
      const rerun = migrateSync(url);
      expect(rerun.status, `rerun after a SIGKILL ${delay} ms in:\n${rerun.output}`).to.equal(0);
      expect(await snapshot(url), `database after a SIGKILL ${delay} ms in and a rerun`).to.deep.equal(want);
    }
    // the kills fell before, between and after migrations, not all at one point
    expect(new Set(recorded).size, `migrations recorded at each kill: ${recorded.join(' ')}`).to.be.greaterThan(2);
  });
});
