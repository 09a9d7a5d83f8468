/**
 * `oq-webui migrate` and `oq-webui check` against a real PostgreSQL (a throwaway cluster,
 * test/helpers/postgres.ts): every migration and trigger applies, two hosts migrating at once do
 * not collide (one applies, the other waits on the advisory lock and finds nothing to do), and
 * check says whether the database is reachable and migrated.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { expect } from 'chai';
import pg from 'pg';
import { MIGRATE_LOCK } from '../../src/db/migrator.js';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.js';
import { BIN, tempDir, waitFor } from '../helpers/server.js';

/** Runs `oq-webui ARGS` with DATABASE from the environment; its exit code and output. */
function oqWebui(args: string[], database: string): Promise<{ code: number | null; out: string }> {
  const dir = tempDir('oq-webui-pg-cmd-');
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, OQ_WEBUI_DATABASE: database, OQ_WEBUI_DATA_DIR: dir, OQ_WEBUI_LOG_DIR: dir, OQ_WEBUI_ENGINE_COMMAND: '["/bin/true"]' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  return new Promise((resolve) => child.on('close', (code) => {
    rmSync(dir, { recursive: true, force: true });
    resolve({ code, out });
  }));
}

/** The migrations the tree has, as migrate names them. */
const MIGRATIONS = /^ {2}Applying (\d{4}_\w+)\.\.\. OK$/gm;

describe('PostgreSQL: oq-webui migrate and check', function () {
  this.timeout(120_000);
  let cluster: PostgresCluster;

  before(async () => {
    cluster = await startPostgres();
  });

  after(async () => {
    await cluster?.stop();
  });

  it('migrate applies every migration with its triggers, a second run has nothing to do, and check says so', async () => {
    const url = await cluster.createDatabase('one');
    const before = await oqWebui(['check'], url);
    expect(before.out).to.match(/Error: DATABASE: PostgreSQL at postgres:\/\/\*\*\*@127\.0\.0\.1:\d+\/one has pending migrations \(0001_accounts, /);
    expect(before.code).to.equal(1);

    const first = await oqWebui(['migrate'], url);
    expect(first.code, first.out).to.equal(0);
    const applied = [...first.out.matchAll(MIGRATIONS)].map((m) => m[1]);
    expect(applied.length, first.out).to.be.at.least(6);
    expect(applied[0]).to.equal('0001_accounts');
    const second = await oqWebui(['migrate'], url);
    expect(second.out).to.contain('No migrations to apply.');

    // the triggers work: deactivating an account bumps the auth epoch
    await cluster.psql('one', "INSERT INTO users (username, date_joined) VALUES ('alice', now())");
    const epoch = Number(await cluster.psql('one', 'SELECT n FROM auth_epoch'));
    await cluster.psql('one', "UPDATE users SET is_active = false WHERE username = 'alice'");
    expect(Number(await cluster.psql('one', 'SELECT n FROM auth_epoch'))).to.equal(epoch + 1);

    const after = await oqWebui(['check'], url);
    expect(after.out, after.out).to.match(/^Database: PostgreSQL \d+\.\d+.* at postgres:\/\/\*\*\*@127\.0\.0\.1:\d+\/one: reachable, every migration applied$/m);
    expect(after.out).to.not.match(/DATABASE: PostgreSQL/);
  });

  it('two hosts migrating at once: one applies every migration, the other waits and finds nothing to do', async () => {
    const url = await cluster.createDatabase('two');
    // hold the lock first, so that both are surely waiting on it before either starts
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [MIGRATE_LOCK]);
      const runs = [oqWebui(['migrate'], url), oqWebui(['migrate'], url)];
      await waitFor(async () => Number((await holder.query("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).rows[0].n) === 2, 60_000, 'both migrate processes to wait on the lock');
      await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATE_LOCK]);
      const [a, b] = await Promise.all(runs);
      expect([a.code, b.code], a.out + b.out).to.deep.equal([0, 0]);
      const applied = [a, b].map((r) => [...r.out.matchAll(MIGRATIONS)].length);
      expect(applied.filter((n) => n === 0), a.out + b.out).to.have.length(1);
      expect(applied.filter((n) => n >= 6), a.out + b.out).to.have.length(1);
      expect([a, b].filter((r) => r.out.includes('No migrations to apply.'))).to.have.length(1);
    } finally {
      await holder.end();
    }
  });

  it('check says when PostgreSQL cannot be reached', async () => {
    const url = cluster.url('one').replace(`:${cluster.port}/`, ':1/');
    const r = await oqWebui(['check'], url);
    expect(r.code).to.equal(1);
    expect(r.out).to.match(/^Error: DATABASE: PostgreSQL at postgres:\/\/\*\*\*@127\.0\.0\.1:1\/one is not reachable: .*ECONNREFUSED/m);
  });
});
