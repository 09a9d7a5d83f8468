import { spawnSync } from 'node:child_process';
import { mkdirSync, openSync, rmSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { checkDatabase, openAndMigrate, openAppDatabase } from '../../src/db/database.js';
import { BIN, startServer, tempDir } from '../helpers/server.js';

/** A file that is not a database (random bytes: no SQLite header). */
function notADatabase(file: string): void {
  writeFileSync(file, Buffer.alloc(8192, 'not a database; '));
}

/** A migrated database with many log lines whose middle pages are then overwritten: a valid header, corrupt pages. */
async function corruptPages(file: string): Promise<void> {
  const db = await openAndMigrate(`sqlite:${file}`);
  try {
    await db.sequelize.query('PRAGMA journal_mode = DELETE');
    await db.sequelize.query("INSERT INTO job (id, user_name, start_time) VALUES (1, 'u', '2024-01-01')");
    const rows = Array.from({ length: 3000 }, (_, i) => `(1, '2024-01-01', 'INFO', 'p', '${'x'.repeat(200)}${i}')`);
    await db.sequelize.query(`INSERT INTO log (job_id, timestamp, level, process, message) VALUES ${rows.join(',')}`);
  } finally {
    await db.sequelize.close();
  }
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, Buffer.alloc(4096 * 30, 0xa5), 0, 4096 * 30, 4096 * 20);
  } finally {
    closeSync(fd);
  }
}

describe('a broken database says why, and where', function () {
  this.timeout(60_000);
  let dir: string;

  beforeEach(() => {
    dir = tempDir('oq-db-');
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('checkDatabase: nothing to say of a sound or a missing database', async () => {
    expect(await checkDatabase(`sqlite:${join(dir, 'missing.sqlite3')}`)).to.deep.equal([]);
    const db = await openAndMigrate(`sqlite:${join(dir, 'ok.sqlite3')}`);
    await db.sequelize.close();
    expect(await checkDatabase(`sqlite:${join(dir, 'ok.sqlite3')}`)).to.deep.equal([]);
  });

  it('checkDatabase names the driver\'s cause and the file: not a database, corrupt pages', async () => {
    const bad = join(dir, 'bad.sqlite3');
    notADatabase(bad);
    expect(await checkDatabase(`sqlite:${bad}`)).to.deep.equal([`DATABASE: the database at ${bad} cannot be used: SQLITE_NOTADB: file is not a database`]);
    const corrupt = join(dir, 'corrupt.sqlite3');
    await corruptPages(corrupt);
    const found = await checkDatabase(`sqlite:${corrupt}`);
    expect(found).to.not.deep.equal([]);
    expect(found.join('\n')).to.contain(corrupt).and.match(/SQLITE_CORRUPT|quick_check/);
  });

  it('opening it for serving fails with the cause and the path in the message and on the first line of the stack', async () => {
    const bad = join(dir, 'bad.sqlite3');
    notADatabase(bad);
    const err = await openAppDatabase(`sqlite:${bad}`).then(() => null, (e: Error) => e);
    expect(err?.message).to.equal(`the database at ${bad} cannot be used: SQLITE_NOTADB: file is not a database`);
    expect(err?.stack?.split('\n')[0]).to.contain('SQLITE_NOTADB: file is not a database');
  });

  it('a failed query\'s stack names the driver\'s cause (what the runner logs when it cannot start)', async () => {
    const db = await openAndMigrate(`sqlite:${join(dir, 'ok.sqlite3')}`);
    try {
      const err = await db.sequelize.query('SELECT * FROM no_such_table').then(() => null, (e: Error) => e);
      expect(err?.stack?.split('\n')[0]).to.contain('SQLITE_ERROR: no such table: no_such_table');
    } finally {
      await db.sequelize.close();
    }
  });

  it('`oq-webui check` reports it as an error (exit 1)', () => {
    const data = join(dir, 'data');
    mkdirSync(data);
    notADatabase(join(data, 'webui.sqlite3'));
    const r = spawnSync(process.execPath, [BIN, 'check', '--data-dir', data, '--log-dir', join(dir, 'logs')], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).to.contain(`DATABASE: the database at ${join(data, 'webui.sqlite3')} cannot be used: SQLITE_NOTADB: file is not a database`);
    expect(r.status).to.equal(1);
  });

  it('`oq-webui start` on it: "Worker failed to boot" names the cause and the path', async () => {
    mkdirSync(join(dir, 'data'));
    const file = join(dir, 'data', 'webui.sqlite3');
    notADatabase(file);
    const err = await startServer({ dir, workers: 1 }).then(async (s) => {
      await s.stop();
      return null;
    }, (e: Error) => e);
    expect(err?.message).to.contain(`Worker failed to boot: Error: the database at ${file} cannot be used: SQLITE_NOTADB: file is not a database`);
  });
});
