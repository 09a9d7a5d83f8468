/**
 * The shortcut in front of the auth-epoch read (src/db/wal-change.ts) on a real SQLite file in
 * WAL mode, written and read by other connections: it may say "unchanged" only when nothing
 * was committed.
 */
import { createRequire } from 'node:module';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { watchCommits } from '../../src/db/wal-change.js';
import { tempDir } from '../helpers/server.js';

interface Db {
  exec(sql: string, cb: (err: Error | null) => void): void;
  all(sql: string, cb: (err: Error | null, rows: unknown[]) => void): void;
  close(cb: (err: Error | null) => void): void;
}
type DbCtor = new (file: string, cb: (err: Error | null) => void) => Db;
const sqlite3 = createRequire(import.meta.url)('sqlite3') as { Database: DbCtor };

const open = (file: string): Promise<Db> => new Promise((resolve, reject) => {
  const d = new sqlite3.Database(file, (err) => (err ? reject(err) : resolve(d)));
});
const exec = (db: Db, sql: string): Promise<void> => new Promise((resolve, reject) => db.exec(sql, (err) => (err ? reject(err) : resolve())));
const all = (db: Db, sql: string): Promise<unknown[]> => new Promise((resolve, reject) => db.all(sql, (err, rows) => (err ? reject(err) : resolve(rows))));
const close = (db: Db): Promise<void> => new Promise((resolve, reject) => db.close((err) => (err ? reject(err) : resolve())));

describe('the WAL-index shortcut of the auth epoch (SQLite)', function () {
  let dir: string;
  let file: string;
  let writer: Db;
  let reader: Db;

  before(async () => {
    dir = tempDir('oq-wal-');
    file = join(dir, 'x.sqlite3');
    writer = await open(file);
    await exec(writer, 'PRAGMA journal_mode = WAL; CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (0);');
    reader = await open(file);
  });

  after(async () => {
    await close(reader);
    await close(writer);
    rmSync(dir, { recursive: true, force: true });
  });

  it('says unchanged while other connections only read, and changed after any commit', async () => {
    const watch = watchCommits(file);
    let mark = watch.mark();
    expect(mark).to.not.equal(null);
    await all(reader, 'SELECT n FROM t');
    await all(writer, 'SELECT n FROM t');
    expect(watch.unchangedSince(mark)).to.equal(true);
    await exec(writer, 'UPDATE t SET n = n + 1');
    expect(watch.unchangedSince(mark)).to.equal(false);
    mark = watch.mark();
    expect(watch.unchangedSince(mark)).to.equal(true);
    await exec(reader, 'BEGIN; UPDATE t SET n = n + 1; COMMIT;');
    expect(watch.unchangedSince(mark)).to.equal(false);
  });

  it('notices a commit after a checkpoint restarted the log', async () => {
    const watch = watchCommits(file);
    await exec(writer, 'PRAGMA wal_checkpoint(TRUNCATE)');
    const mark = watch.mark();
    await exec(writer, 'UPDATE t SET n = n + 1');
    expect(watch.unchangedSince(mark)).to.equal(false);
  });

  it('is never sure without a mark, or when there is no -shm file', () => {
    expect(watchCommits(file).unchangedSince(null)).to.equal(false);
    const none = watchCommits(join(dir, 'missing.sqlite3'));
    expect(none.mark()).to.equal(null);
    expect(none.unchangedSince(none.mark())).to.equal(false);
  });
});
