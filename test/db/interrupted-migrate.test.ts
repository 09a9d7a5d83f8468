import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';
import { expect } from 'chai';
import { openAndMigrate, openAppDatabase } from '../../src/db/database.js';
import { BIN, sleep, tempDir } from '../helpers/server.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
/** The preload that makes `migrate` SIGKILL itself after its Nth write (test-only). */
const KILL_HOOK = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'kill-after-writes.js')).href;

/** Everything a migrated database is made of: its schema, the migrations it records, the auth epoch's row. */
function snapshot(file: string): unknown {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return {
      schema: db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name').all(),
      migrations: db.prepare('SELECT name FROM oq_webui_migrations ORDER BY name').all(),
      authEpoch: db.prepare('SELECT * FROM auth_epoch').all(),
    };
  } finally {
    db.close();
  }
}

/** `oq-webui migrate` on `file` (with the kill hook when `killAfter` is given); its exit. */
function migrateSync(file: string, killAfter?: number): { status: number | null; signal: NodeJS.Signals | null; output: string } {
  const hook = killAfter === undefined ? [] : ['--import', KILL_HOOK];
  const r = spawnSync(process.execPath, [...hook, BIN, 'migrate', '--database', `sqlite:${file}`], {
    env: { ...process.env, OQ_TEST_KILL_AFTER_WRITES: String(killAfter ?? '') },
    encoding: 'utf8',
  });
  return { status: r.status, signal: r.signal, output: `${r.stdout}${r.stderr}` };
}

/**
 * The rerun after a kill: it must finish the job, leaving what a clean migrate leaves, and the
 * server must open it. The rerun is the command itself, or (`inProcess`, to keep a sweep of
 * fifty kills short) the function the command calls.
 */
async function expectRerunRepairs(file: string, clean: unknown, what: string, inProcess = false): Promise<void> {
  if (inProcess) {
    const db = await openAndMigrate(`sqlite:${file}`).catch((e: Error) => {
      throw new Error(`rerun of migrate after ${what}: ${e.message}`);
    });
    await db.sequelize.close();
  } else {
    const rerun = migrateSync(file);
    expect(rerun.status, `rerun of migrate after ${what}:\n${rerun.output}`).to.equal(0);
  }
  expect(snapshot(file), `database after ${what} and a rerun`).to.deep.equal(clean);
  const db = await openAppDatabase(`sqlite:${file}`);
  await db.sequelize.close();
}

describe('a migrate killed at any point is finished by a rerun', function () {
  this.timeout(300_000);
  let dir: string;
  let clean: unknown;

  before(() => {
    dir = tempDir('oq-migrate-kill-');
    const file = join(dir, 'clean.sqlite3');
    const r = migrateSync(file);
    expect(r.status, r.output).to.equal(0);
    clean = snapshot(file);
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('SIGKILL after each write of a migrate on a fresh database, then migrate again: the schema of a clean migrate', async () => {
    let killed = 0;
    for (let n = 1; ; n++) {
      const file = join(dir, `at-${n}.sqlite3`);
      const r = migrateSync(file, n);
      if (r.signal !== 'SIGKILL') {
        // fewer than n writes: the whole migrate ran, every point before was tried
        expect(r.status, r.output).to.equal(0);
        break;
      }
      killed += 1;
      await expectRerunRepairs(file, clean, `a SIGKILL after write ${n}`, true);
      rmSync(file, { force: true });
    }
    expect(killed).to.be.greaterThan(10);
  });

  it('two migrates at once on a fresh database both succeed, each migration applied once', async () => {
    const file = join(dir, 'twice.sqlite3');
    const run = () => new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'migrate', '--database', `sqlite:${file}`]);
      let output = '';
      child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
      child.on('exit', (code) => resolve({ code, output }));
    });
    const [a, b] = await Promise.all([run(), run()]);
    expect([a.code, b.code], `${a.output}\n${b.output}`).to.deep.equal([0, 0]);
    const applied = `${a.output}${b.output}`.match(/Applying \d{4}_\w+/g) ?? [];
    expect(applied.sort()).to.deep.equal((clean as { migrations: { name: string }[] }).migrations.map((m) => `Applying ${m.name}`).sort());
    expect(snapshot(file)).to.deep.equal(clean);
  });

  it('SIGKILL at increasing delays once the database file appears, then migrate again: the schema of a clean migrate', async () => {
    let killed = 0;
    for (let delay = 0; ; delay += 4) {
      const file = join(dir, `after-${delay}ms.sqlite3`);
      const child = spawn(process.execPath, [BIN, 'migrate', '--database', `sqlite:${file}`], { stdio: 'ignore' });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      let done = false;
      void exited.then(() => { done = true; });
      while (!existsSync(file) && !done) {
        await sleep(1);
      }
      await sleep(delay);
      child.kill('SIGKILL');
      if ((await exited) !== 'SIGKILL') {
        break;
      }
      killed += 1;
      if (existsSync(file)) {
        await expectRerunRepairs(file, clean, `a SIGKILL ${delay} ms after the file appeared`);
      }
      rmSync(file, { force: true });
    }
    expect(killed).to.be.greaterThan(0);
  });
});
