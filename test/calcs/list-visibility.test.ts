import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import type { Actor } from '../../src/auth/actor.js';
import { actorOfUser, unrestrictedActor } from '../../src/auth/users.js';
import { parseListParams, type ListParams } from '../../src/calcs/list-params.js';
import { listQueries } from '../../src/data/calculation-list.js';
import { visibleJobs, visibleOwners } from '../../src/data/visibility.js';
import { groupIdsOfUsername } from '../../src/data/users.js';
import { openAndMigrate } from '../../src/db/database.js';
import { initCalcModels } from '../../src/db/models/calcs.js';
import { selectRows } from '../../src/db/query.js';
import { maySeeCalculation, visibility } from '../../src/policies/calculation.js';
import { tempDir } from '../helpers/server.js';

describe('the list filter agrees with maySeeCalculation', () => {
  it('for every actor, the SQL visible set, the list pages and the totals are exactly the jobs the policy lets them see', async () => {
    const dir = tempDir('oq-visibility-');
    const db = await openAndMigrate(`sqlite:${dir}/db.sqlite3`);
    try {
      const { User, Group, Membership } = db.models;
      const { Job } = initCalcModels(db.sequelize);
      const groups = new Map<string, number>();
      for (const g of ['g1', 'g2', 'g3']) {
        groups.set(g, (await Group.create({ name: g })).id);
      }
      const memberOf: Record<string, string[]> = { u1: ['g1'], u2: ['g1'], u3: ['g1', 'g2'], u4: ['g2'], u5: ['g3'], u6: [], root: [] };
      for (const [name, gs] of Object.entries(memberOf)) {
        const u = await User.create({ username: name, password: null, isSuperuser: name === 'root', dateJoined: new Date() });
        for (const g of gs) {
          await Membership.create({ userId: u.id, groupId: groups.get(g) as number });
        }
      }
      const owners = [...Object.keys(memberOf), 'ghost'];
      const statuses = ['created', 'executing', 'complete', 'shared', 'failed', 'aborted', 'deleted'] as const;
      await Job.bulkCreate(owners.flatMap((user_name) => statuses.flatMap((status) => ['classical', 'event_based'].map((calculation_mode) => ({ user_name, status, calculation_mode, start_time: new Date() })))));
      // a change of status moves a job between counters
      await Job.update({ status: 'shared' }, { where: { user_name: 'u5', status: 'complete' } });
      const jobs = await Job.findAll({ order: [['id', 'ASC']] });

      const actors: Actor[] = [unrestrictedActor('nobody')];
      for (const u of await User.findAll()) {
        actors.push(await actorOfUser(db.models, u));
      }
      actors.push({ id: null, username: 'ghost', isSuperuser: false, isStaff: false, groupIds: [], level: 2, unrestricted: false });
      const filterSets: [string, Partial<ListParams>, (j: { status: string; calculation_mode: string }) => boolean][] = [
        ['no filter', {}, () => true],
        ['status=shared', { status: 'shared' }, (j) => j.status === 'shared'],
        ['is_running=true', { isRunning: true }, (j) => j.status === 'executing'],
        ['is_running=false', { isRunning: false }, (j) => j.status !== 'executing'],
        ['calculation_mode', { calculationMode: 'event_based' }, (j) => j.calculation_mode === 'event_based'],
      ];
      for (const actor of actors) {
        const owners = await visibleOwners(db, visibility(actor));
        const where = visibleJobs(owners);
        const rows = await db.sequelize.query<{ id: number }>(`SELECT id FROM job WHERE ${where.sql} ORDER BY id`, { replacements: where.replacements, type: QueryTypes.SELECT });
        const expected: number[] = [];
        for (const job of jobs) {
          const facts = { userName: job.user_name, status: job.status, ownerGroupIds: await groupIdsOfUsername(db.sequelize, job.user_name) };
          if (job.status !== 'deleted' && maySeeCalculation(actor, facts, { aclOn: true })) {
            expected.push(job.id);
          }
        }
        expect(rows.map((r) => r.id), actor.username).to.deep.equal(expected);
        // the list's page and count queries (per-owner probes, job_count) give the same set
        for (const [name, filter, keep] of filterSets) {
          const want = jobs.filter((j) => expected.includes(j.id) && keep(j)).map((j) => j.id).reverse();
          for (const access of ['probe', 'walk'] as const) {
            const { page } = listQueries(owners, { ...parseListParams({ limit: '1000' }), ...filter }, access);
            const got = await selectRows<{ id: number }>(db.sequelize, page.sql, page.replacements);
            expect(got.map((r) => r.id), `${actor.username}, ${name}: page (${access})`).to.deep.equal(want);
          }
          const { count } = listQueries(owners, { ...parseListParams({ limit: '1000' }), ...filter });
          const [n] = await selectRows<{ n: number }>(db.sequelize, count.sql, count.replacements);
          expect(Number(n.n), `${actor.username}, ${name}: count`).to.equal(want.length);
        }
      }
    } finally {
      await db.sequelize.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
