/**
 * The accounts, admin, calculations and runner tests once more, on PostgreSQL: the same files
 * (test/accounts/, test/admin/, test/calcs/, test/runner/) in a child mocha per group, whose
 * servers (and the runner tests' databases) each get their own migrated database on a throwaway
 * cluster (test/helpers/postgres.ts testPostgresDatabase, through startServer and
 * test/runner/support.ts testDatabase), instead of a SQLite file.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { startPostgres, TEST_POSTGRES_ENV, type PostgresCluster } from '../helpers/postgres.js';

const MOCHA = join(PACKAGE_ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');

/** Runs the compiled test files of `folders` in a child mocha with `env`; its exit code and output. */
function mochaOn(folders: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const files = folders.flatMap((folder) => {
    const dir = join(PACKAGE_ROOT, 'dist', 'test', folder);
    return readdirSync(dir).filter((f) => f.endsWith('.test.js')).map((f) => join(dir, f));
  });
  const child = spawn(process.execPath, [MOCHA, ...files], { cwd: PACKAGE_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
}

describe('PostgreSQL: the accounts, admin, calculations and runner tests once more', function () {
  this.timeout(1_500_000);
  let cluster: PostgresCluster;

  before(async () => {
    cluster = await startPostgres();
  });

  after(async () => {
    await cluster?.stop();
  });

  /** The databases the child's servers made so far (named t<pid>_<n> by testPostgresDatabase). */
  async function databases(): Promise<string[]> {
    return (await cluster.psql('postgres', "SELECT datname FROM pg_database WHERE datname LIKE 't%\\_%' ORDER BY datname")).split('\n').filter(Boolean);
  }

  /** Runs the folders' tests on the cluster; every one must pass; the databases they made. */
  async function passOn(folders: string[]): Promise<string[]> {
    const before = new Set(await databases());
    const r = await mochaOn(folders, { [TEST_POSTGRES_ENV]: `postgres://postgres@127.0.0.1:${cluster.port}/` });
    const summary = /^(\d+) passed, (\d+) failed/m.exec(r.out);
    expect(summary, r.out.slice(-3000)).to.not.equal(null);
    expect(r.code, r.out.slice(-6000)).to.equal(0);
    expect(Number(summary?.[1])).to.be.greaterThan(0);
    const made = (await databases()).filter((db) => !before.has(db));
    console.log(`      (${summary?.[1]} tests of ${folders.join(', ')} on PostgreSQL, ${made.length} databases)`);
    return made;
  }

  it('every test of test/accounts and test/admin passes with its servers on PostgreSQL', async () => {
    const made = await passOn(['accounts', 'admin']);
    // the servers did run on PostgreSQL: one database each, migrated, with the users the tests made
    expect(made.length).to.be.greaterThan(5);
    const users = await Promise.all(made.map(async (db) => Number(await cluster.psql(db, 'SELECT count(*) FROM users'))));
    expect(users.some((n) => n > 0)).to.equal(true);
  });

  it('every test of test/calcs and test/runner passes with its servers and runners on PostgreSQL', async () => {
    const made = await passOn(['calcs', 'runner']);
    // the calculations went through PostgreSQL: jobs that completed, with their log lines
    expect(made.length).to.be.greaterThan(5);
    const complete = await Promise.all(made.map(async (db) => Number(await cluster.psql(db, "SELECT count(*) FROM job WHERE status = 'complete'"))));
    const lines = await Promise.all(made.map(async (db) => Number(await cluster.psql(db, 'SELECT count(*) FROM log'))));
    expect(complete.reduce((a, b) => a + b, 0)).to.be.greaterThan(10);
    expect(lines.reduce((a, b) => a + b, 0)).to.be.greaterThan(100);
  });
});
