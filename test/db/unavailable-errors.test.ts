import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Sequelize } from 'sequelize';
import { openAndMigrate } from '../../src/db/database.js';
import { openDatabase } from '../../src/db/connection.js';
import { selectRows } from '../../src/db/query.js';
import { badRequest, databaseUnavailable, DATABASE_UNAVAILABLE } from '../../src/errors.js';
import { tempDir } from '../helpers/server.js';

/** What the error handler makes of the error `make` rejects with: the operator's log line, or null (not the database's fault). */
async function verdict(url: string, make: () => Promise<unknown>): Promise<string | null> {
  const err = await make().then(() => new Error('no error'), (e: unknown) => e);
  const found = databaseUnavailable(err, url);
  if (found !== null) {
    expect(found.answer.status).to.equal(503);
    expect(found.answer.message).to.equal(DATABASE_UNAVAILABLE);
  }
  return found?.logLine ?? null;
}

describe('which database failures are the database being unusable (503), with the real drivers\' errors', function () {
  this.timeout(30_000);
  let dir: string;
  const open: Sequelize[] = [];

  beforeEach(() => {
    dir = tempDir('oq-db-errors-');
  });

  afterEach(async () => {
    for (const s of open.splice(0)) {
      await s.close().catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('a file that is not a database (node-sqlite3 under Sequelize): damaged, with the driver\'s words, the path and what to do', async () => {
    const file = join(dir, 'bad.sqlite3');
    writeFileSync(file, Buffer.alloc(8192, 'not a database; '));
    const url = `sqlite:${file}`;
    // opening it fails at its first statement (PRAGMA journal_mode)
    const line = await verdict(url, () => openDatabase(url));
    expect(line).to.equal(`the database at ${file} is damaged (SQLITE_NOTADB: file is not a database): requests that need it answer 503 until it is fixed; run "oq-webui check", then restore the file from a backup or rebuild it with sqlite3's .recover (README, "A corrupt database")`);
  });

  it('the folder of the database gone before the hot-read connection opens (better-sqlite3): cannot be opened', async () => {
    const data = join(dir, 'data');
    mkdirSync(data);
    const url = `sqlite:${join(data, 'webui.sqlite3')}`;
    const db = await openAndMigrate(url);
    open.push(db.sequelize);
    renameSync(data, join(dir, 'moved'));
    const line = await verdict(url, () => selectRows(db.sequelize, 'SELECT id FROM job', []));
    expect(line).to.match(/^the database at \S+webui\.sqlite3 cannot be opened \(Cannot open database because the directory does not exist\): requests that need it answer 503/);
  });

  it('a bad query, a broken constraint and a route\'s own answer stay what they are (not 503)', async () => {
    const url = `sqlite:${join(dir, 'ok.sqlite3')}`;
    const db = await openAndMigrate(url);
    open.push(db.sequelize);
    expect(await verdict(url, () => db.sequelize.query('SELECT * FROM no_such_table'))).to.equal(null);
    expect(await verdict(url, () => selectRows(db.sequelize, 'SELEKT 1', []))).to.equal(null);
    await db.sequelize.query("INSERT INTO groups (name) VALUES ('g')");
    expect(await verdict(url, () => db.sequelize.query("INSERT INTO groups (name) VALUES ('g')"))).to.equal(null);
    expect(await verdict(url, () => Promise.reject(badRequest('no')))).to.equal(null);
  });
});
