/**
 * Where database code may live (docs/architecture.md): SQL and model queries in src/data/ (and
 * src/db/), never in a route; the SQLite driver and Sequelize's internals in src/db/sqlite.ts only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'chai';
import { PACKAGE_ROOT } from '../../src/paths.js';

function tsFiles(dir: string): string[] {
  return readdirSync(join(PACKAGE_ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => relative(PACKAGE_ROOT, join(e.parentPath, e.name)));
}

/** The code of a file without its comments. */
function code(file: string): string {
  return readFileSync(join(PACKAGE_ROOT, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

const SQL = /\b(SELECT\s+[\w*]|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|PRAGMA\s+\w)/;
const MODEL_QUERY = /\.(findAll|findOne|findByPk|findOrCreate|findAndCountAll|findCreateFind|bulkCreate|upsert|count|query|reload|save|increment|decrement|truncate|restore|transaction)\(|\.(User|Group|Membership|Job|Output|LogLine|SessionRow|LoginFailure)\.(create|update|destroy|max|min|sum|aggregate)\(/;
const SEQUELIZE_VALUE_IMPORT = /^import\s+(?!type\b)[^;]*from\s+'sequelize'/m;

describe('where database code lives', () => {
  it('the checks see what they look for', () => {
    expect(SQL.test("'SELECT id FROM job'")).to.equal(true);
    expect(MODEL_QUERY.test('env.models.User.update({ x }, {})')).to.equal(true);
    expect(MODEL_QUERY.test('await target.reload();')).to.equal(true);
    expect(MODEL_QUERY.test('models.SessionRow.destroy({ where })')).to.equal(true);
    expect(MODEL_QUERY.test('socket.destroy();')).to.equal(false);
    expect(MODEL_QUERY.test('z.string().max(150)')).to.equal(false);
    expect(SQL.test('`UPDATE users SET is_active = ?`')).to.equal(true);
    expect(SEQUELIZE_VALUE_IMPORT.test("import { Op } from 'sequelize';")).to.equal(true);
    expect(SEQUELIZE_VALUE_IMPORT.test("import type { Sequelize } from 'sequelize';")).to.equal(false);
  });

  it('no route holds SQL, a model query or a Sequelize value: routes call src/data', () => {
    const found = tsFiles('src/routes').flatMap((f) => {
      const text = code(f);
      return [
        SQL.test(text) ? `${f}: SQL` : '',
        MODEL_QUERY.test(text) ? `${f}: a model query (${MODEL_QUERY.exec(text)?.[0]})` : '',
        SEQUELIZE_VALUE_IMPORT.test(text) ? `${f}: imports sequelize` : '',
      ].filter(Boolean);
    });
    expect(found).to.deep.equal([]);
  });

  it('outside src/data and src/db, only the files not yet moved hold SQL or model queries (this list only shrinks)', () => {
    // none left: the visibility rule's SQL moved to src/data/visibility.ts (issue 20)
    const NOT_YET_MOVED: string[] = [];
    const found = [...tsFiles('src'), ...tsFiles('master'), ...tsFiles('worker')]
      .filter((f) => !f.startsWith('src/data/') && !f.startsWith('src/db/'))
      .filter((f) => {
        const text = code(f);
        return SQL.test(text) || MODEL_QUERY.test(text) || SEQUELIZE_VALUE_IMPORT.test(text);
      });
    expect(found.sort()).to.deep.equal(NOT_YET_MOVED.sort());
  });

  /** An import or require of a SQLite driver, or Sequelize's connection manager. */
  const DRIVER_USE = /connectionManager|(from\s+|import\(\s*|require\(\s*|\)\(\s*)'((better-)?sqlite3|pg)'/;

  it('the driver check recognises each way src/db/sqlite.ts reaches a driver', () => {
    expect(DRIVER_USE.test("import sqlite3 from 'sqlite3';")).to.equal(true);
    expect(DRIVER_USE.test("await import('sqlite3')")).to.equal(true);
    expect(DRIVER_USE.test("createRequire(import.meta.url)('better-sqlite3')")).to.equal(true);
    expect(DRIVER_USE.test("import pg from 'pg';")).to.equal(true);
    expect(DRIVER_USE.test(code('src/db/sqlite.ts'))).to.equal(true);
    expect(DRIVER_USE.test(code('src/db/postgres.ts'))).to.equal(true);
  });

  it('only the driver files (src/db/sqlite.ts, src/db/postgres.ts) touch a driver (sqlite3, better-sqlite3, pg) or Sequelize\'s connection manager', () => {
    const found = [...tsFiles('src'), ...tsFiles('master'), ...tsFiles('worker')]
      .filter((f) => f !== 'src/db/sqlite.ts' && f !== 'src/db/postgres.ts')
      .filter((f) => DRIVER_USE.test(code(f)));
    expect(found).to.deep.equal([]);
  });
});
