/**
 * The list page as SQLite presents it (listPagePresented) is exactly what presentListItem makes
 * of the same rows: same keys in the same order, same values, for every order, direction,
 * offset and filter, with awkward descriptions and sizes, running rows with live and dead pids.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { expect } from 'chai';
import type { Actor } from '../../src/auth/actor.js';
import { unrestrictedActor } from '../../src/auth/users.js';
import { parseListParams } from '../../src/calcs/list-params.js';
import { presentListItem, settleAbortable } from '../../src/calcs/presenters.js';
import { listPage, listPagePresented } from '../../src/data/calculation-list.js';
import { openAndMigrate } from '../../src/db/database.js';
import { initCalcModels } from '../../src/db/models/calcs.js';
import { tempDir } from '../helpers/server.js';

const BASE = 'http://oq.example:8800/v1/calc/';

/** A pid no process has (a child that has exited). */
function deadPid(): number {
  const r = spawnSync('true');
  return r.pid as number;
}

describe('the calculation list presented by SQLite', () => {
  const dir = tempDir('oq-presented-');
  let db: Awaited<ReturnType<typeof openAndMigrate>>;
  const alice: Actor = { id: 1, username: 'alice', isSuperuser: false, isStaff: false, groupIds: [], unrestricted: false };

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
  for (const actor of [unrestrictedActor('root'), alice]) {
    for (const [name, query] of cases) {
      it(`is what presentListItem makes of the same rows: ${name}, for ${actor.unrestricted ? 'an unrestricted' : 'a restricted'} caller`, async () => {
        const params = parseListParams(query);
        const page = await listPagePresented(db, actor, params, BASE);
        expect(page, 'SQLite presents it').to.not.equal(null);
        const { rows, total } = await listPage(db, actor, params);
        const expected = rows.map((r) => presentListItem(r, BASE));
        const text = page!.pidsToCheck ? settleAbortable(page!.json) : page!.json;
        expect(JSON.parse(text)).to.deep.equal(expected);
        // the same keys in the same order
        expect((JSON.parse(text) as object[]).map((o) => Object.keys(o))).to.deep.equal(expected.map((o) => Object.keys(o)));
        expect(page!.total).to.equal(total);
      });
    }
  }

  it('says when a row has a pid to check, and a live engine process makes that row abortable', async () => {
    const page = await listPagePresented(db, unrestrictedActor('root'), parseListParams({ is_running: 'true', limit: '1000' }), BASE);
    expect(page!.pidsToCheck).to.equal(true);
    const items = JSON.parse(settleAbortable(page!.json)) as { abortable: boolean }[];
    expect(items.filter((i) => i.abortable).length, 'rows whose pid is this process').to.be.greaterThan(0);
    expect(items.filter((i) => !i.abortable).length, 'rows whose pid is gone').to.be.greaterThan(0);
    const done = await listPagePresented(db, unrestrictedActor('root'), parseListParams({ status: 'complete' }), BASE);
    expect(done!.pidsToCheck, 'finished rows keep abortable false whatever their pid').to.equal(false);
  });

  it('leaves a page with a date SQLite cannot read to the JS presenter', async () => {
    await db.sequelize.query("INSERT INTO job (description, user_name, calculation_mode, status, is_running, start_time, relevant, job_ini, abort_requested) VALUES ('odd', 'carol', 'classical', 'complete', 0, 'not a date', 1, 'job.ini', 0)");
    const carol: Actor = { ...alice, id: 3, username: 'carol' };
    expect(await listPagePresented(db, carol, parseListParams({}), BASE)).to.equal(null);
    expect(await listPagePresented(db, alice, parseListParams({}), BASE), 'other pages are unaffected').to.not.equal(null);
  });
});
