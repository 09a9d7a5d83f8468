/**
 * selectRows reads on a second, synchronous connection with statements prepared once: what it
 * answers must still be what was committed before each call — by this process's Sequelize
 * connection or by anyone else — never a snapshot kept from an earlier run of the statement.
 */
import { createRequire } from 'node:module';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { openAndMigrate } from '../../src/db/database.js';
import { selectRows } from '../../src/db/query.js';
import { tempDir } from '../helpers/server.js';

interface RawDb {
  run(sql: string, cb: (err: Error | null) => void): void;
  close(cb: (err: Error | null) => void): void;
}

describe('hot reads (selectRows on its own connection)', () => {
  const dir = tempDir('oq-hot-reads-');
  const file = join(dir, 'db.sqlite3');
  let db: Awaited<ReturnType<typeof openAndMigrate>>;
  const epoch = async (): Promise<number> => Number((await selectRows<{ n: number }>(db.sequelize, 'SELECT n FROM auth_epoch WHERE id = 1', []))[0].n);

  before(async () => {
    db = await openAndMigrate(`sqlite:${file}`);
  });
  after(async () => {
    await db.sequelize.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees a write this process just made through Sequelize, with the same statement run before it', async () => {
    const before = await epoch();
    await db.sequelize.query('UPDATE auth_epoch SET n = n + 1 WHERE id = 1');
    expect(await epoch()).to.equal(before + 1);
  });

  it('sees a commit by another connection on its next call', async () => {
    const before = await epoch();
    const sqlite3 = createRequire(import.meta.url)('sqlite3') as { Database: new (f: string, cb: (e: Error | null) => void) => RawDb };
    const other = await new Promise<RawDb>((resolve, reject) => {
      const d = new sqlite3.Database(file, (e) => (e ? reject(e) : resolve(d)));
    });
    try {
      for (let i = 1; i <= 3; i += 1) {
        await new Promise<void>((resolve, reject) => other.run('UPDATE auth_epoch SET n = n + 1 WHERE id = 1', (e) => (e ? reject(e) : resolve())));
        expect(await epoch(), `after commit ${i}`).to.equal(before + i);
      }
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it('binds dates, booleans and undefined as the rows were written', async () => {
    const [row] = await selectRows<{ d: string; t: number; u: null }>(db.sequelize, 'SELECT ? AS d, ? AS t, ? AS u', [new Date(Date.UTC(2025, 0, 31, 14, 5, 9, 123)), true, undefined]);
    expect(row).to.deep.equal({ d: '2025-01-31 14:05:09.123 +00:00', t: 1, u: null });
  });

  it('names the driver\'s cause when a query fails', async () => {
    const err = await selectRows(db.sequelize, 'SELECT no_such_column FROM job', []).then(() => null, (e: unknown) => e as Error);
    expect(err?.message).to.match(/^SQLITE_ERROR: no such column: no_such_column/);
  });
});
