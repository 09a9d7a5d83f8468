/**
 * The list page (listPage: per-owner probes or a walk of the table, cached) holds exactly the
 * rows, in exactly the order, of the plain query over the visible jobs, for every order,
 * direction, offset and filter, with awkward descriptions and sizes; presented once
 * (presentListItem), running rows with live and dead pids.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { expect } from 'chai';
import type { Actor } from '../../src/auth/actor.js';
import { unrestrictedActor } from '../../src/auth/users.js';
import { parseListParams } from '../../src/calcs/list-params.js';
import { presentListItem, type ListRow } from '../../src/calcs/presenters.js';
import { LIST_COLUMNS, listPage } from '../../src/data/calculation-list.js';
import { visibleJobs, visibleOwners } from '../../src/data/visibility.js';
import { selectRows } from '../../src/db/query.js';
import { visibility } from '../../src/policies/calculation.js';
import { openAndMigrate } from '../../src/db/database.js';
import { initCalcModels } from '../../src/db/models/calcs.js';
import { tempDir } from '../helpers/server.js';

const BASE = 'http://oq.example:8800/v1/calc/';

/** A pid no process has (a child that has exited). */
function deadPid(): number {
  const r = spawnSync('true');
  return r.pid as number;
}

describe('the calculation list page: its rows, their order, their presentation', () => {
  const dir = tempDir('oq-presented-');
  let db: Awaited<ReturnType<typeof openAndMigrate>>;
  const alice: Actor = { id: 1, username: 'alice', isSuperuser: false, isStaff: false, groupIds: [], level: 2, unrestricted: false };

  before(async () => {
    db = await openAndMigrate(`sqlite:${dir}/db.sqlite3`);
    const { Job } = initCalcModels(db.sequelize);
    const descriptions = ['plain', 'quote " and \\ backslash', 'tab\tnewline\nbell\u0007', 'unicode é ✓ 𝛑 \u2028', '"abortable":12', '</script>', ''];
    const sizes = [null, 0, 1, 0.1, 0.1 + 0.2, 1.1773748397827148, 1e-7, 123456789.123, 2.5e21, 3.0, Math.PI * 1e-3];
    const statuses = ['created', 'executing', 'complete', 'shared', 'failed', 'aborted'] as const;
    const rows = [];
    for (let i = 0; i < 60; i += 1) {
      const status = statuses[i % statuses.length];
      rows.push({
        user_name: i % 4 === 0 ? 'bob' : 'alice',
        description: descriptions[i % descriptions.length],
        calculation_mode: i % 2 ? 'classical' : 'event_based',
        status,
        is_running: status === 'executing',
        pid: status === 'executing' ? (i % 12 === 1 ? process.pid : deadPid()) : (i % 5 === 0 ? 4242 : null),
        hazard_calculation_id: i > 3 && i % 3 === 0 ? i - 3 : null,
        // doubles whose shortest form needs 16 or 17 digits, too
        size_mb: i < 30 ? sizes[i % sizes.length] : Math.sqrt(i) * 1.37 + i / 7,
        // milliseconds at both ends, other time zones' midnights, leap day
        start_time: new Date(Date.UTC(2024, 1, 29, 23, 59, 59, (i * 37) % 1000) - i * 3_600_000 * 7),
      });
    }
    await Job.bulkCreate(rows);
  });

  after(async () => {
    await db.sequelize.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cases: [string, Record<string, string>][] = [
    ['the default page', {}],
    ['a small page further on', { limit: '7', offset: '5' }],
    ...['id', 'owner', 'calculation_mode', 'status', 'is_running', 'description', 'start_time', 'size_mb', 'parent_id'].flatMap((o): [string, Record<string, string>][] => [
      [`ordered by ${o}`, { order_by: o, limit: '20', offset: '3' }],
      [`ordered by ${o}, ascending`, { order_by: o, order_dir: 'ASC', limit: '1000' }],
    ]),
    ['running ones', { is_running: 'true' }],
    ['one status', { status: 'shared' }],
    ['one mode, relevant', { calculation_mode: 'classical', relevant: 'true' }],
    ['an empty page', { offset: '5000' }],
  ];
  /** The page as the plainest query over the visible jobs reads it. */
  async function plainPage(actor: Actor, query: Record<string, string>): Promise<ListRow[]> {
    const p = parseListParams({ ...query, limit: '100000', offset: '0' });
    const owners = await visibleOwners(db, visibility(actor));
    const where = visibleJobs(owners, p.includeShared);
    const conds: string[] = [];
    const values: unknown[] = [];
    for (const [k, v] of Object.entries({ status: p.status, calculation_mode: p.calculationMode })) {
      if (v !== undefined) {
        conds.push(` AND ${k} = ?`);
        values.push(v);
      }
    }
    if (p.isRunning !== undefined) {
      conds.push(` AND is_running = ${p.isRunning ? 1 : 0}`);
    }
    if (p.relevant !== undefined) {
      conds.push(` AND relevant = ${p.relevant ? 1 : 0}`);
    }
    const all = await selectRows<ListRow>(db.sequelize,
      `SELECT ${LIST_COLUMNS} FROM job WHERE ${where.sql}${conds.join('')} ORDER BY ${p.orderBy} ${p.orderDir}, id ${p.orderDir}`, [...where.replacements, ...values]);
    const q = parseListParams(query);
    // these jobs have no tags (test/calcs/tags.test.ts shows them)
    return all.slice(q.offset, q.offset + q.limit).map((r) => ({ ...r, tags: null }));
  }

  for (const actor of [unrestrictedActor('root'), alice]) {
    for (const [name, query] of cases) {
      it(`holds the plain query's rows in its order, presented with every key in place: ${name}, for ${actor.unrestricted ? 'an unrestricted' : 'a restricted'} caller`, async () => {
        const params = parseListParams(query);
        const { rows } = await listPage(db, visibility(actor), params, 0);
        const want = await plainPage(actor, query);
        expect(rows.map((r) => r.id)).to.deep.equal(want.map((r) => r.id));
        expect(rows).to.deep.equal(want);
        const keys = ['id', 'owner', 'calculation_mode', 'status', 'is_running', 'description', 'url', 'parent_id', 'abortable', 'size_mb', 'start_time', 'relevant', 'tags'];
        for (const item of rows.map((r) => presentListItem(r, BASE))) {
          expect(Object.keys(item)).to.deep.equal(keys);
          expect(JSON.parse(JSON.stringify(item))).to.deep.equal(item);
        }
      });
    }
  }

  it('a live engine process makes a running row abortable; a dead one, or a finished row, does not', async () => {
    const { rows } = await listPage(db, visibility(unrestrictedActor('root')), parseListParams({ is_running: 'true', limit: '1000' }), 0);
    const items = rows.map((r) => presentListItem(r, BASE));
    expect(items.filter((i) => i.abortable).length, 'rows whose pid is this process').to.be.greaterThan(0);
    expect(items.filter((i) => !i.abortable).length, 'rows whose pid is gone').to.be.greaterThan(0);
    const done = await listPage(db, visibility(unrestrictedActor('root')), parseListParams({ status: 'complete', limit: '1000' }), 0);
    expect(done.rows.some((r) => r.pid !== null), 'finished rows with a pid exist').to.equal(true);
    expect(done.rows.map((r) => presentListItem(r, BASE)).every((i) => !i.abortable), 'finished rows keep abortable false whatever their pid').to.equal(true);
  });

  it('a page with a date the database cannot read is still answered, and other pages are unaffected', async () => {
    await db.sequelize.query("INSERT INTO job (description, user_name, calculation_mode, status, is_running, start_time, relevant, job_ini, abort_requested) VALUES ('odd', 'carol', 'classical', 'complete', 0, 'not a date', 1, 'job.ini', 0)");
    const carol: Actor = { ...alice, id: 3, username: 'carol' };
    const odd = await listPage(db, visibility(carol), parseListParams({}), 0);
    const items = odd.rows.map((r) => presentListItem(r, BASE));
    expect(items.filter((i) => i.owner === 'carol').map((i) => i.description)).to.deep.equal(['odd']);
    const others = await listPage(db, visibility(alice), parseListParams({}), 0);
    expect(others.rows.every((r) => r.user_name !== 'carol')).to.equal(true);
  });
});
