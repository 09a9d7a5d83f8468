import { rmSync } from 'node:fs';
import { expect } from 'chai';
import type { Actor } from '../../src/auth/actor.js';
import { actorOfUser, unrestrictedActor } from '../../src/auth/users.js';
import { openAndMigrate, type OpenDatabase } from '../../src/db/database.js';
import { initCalcModels, type CalcModels } from '../../src/db/models/calcs.js';
import { HttpError } from '../../src/errors.js';
import { loadCalculationFor, loadOutputFor, type CalcAction } from '../../src/policies/index.js';
import { tempDir } from '../helpers/server.js';

/** The status and message of what `p` throws (null when it resolves). */
async function refusal(p: Promise<unknown>): Promise<[number, string] | null> {
  try {
    await p;
    return null;
  } catch (e) {
    if (!(e instanceof HttpError)) {
      throw e;
    }
    return [e.status, e.message];
  }
}

describe('loadCalculationFor: the one load → authorize step of the calculation routes', function () {
  this.timeout(30_000);
  let dir: string;
  let db: OpenDatabase;
  let calcs: CalcModels;
  const as: Record<string, Actor> = {};
  let job: number;
  let deleted: number;
  let output: number;

  before(async () => {
    dir = tempDir('oq-load-calc-');
    db = await openAndMigrate(`sqlite:${dir}/db.sqlite3`);
    calcs = initCalcModels(db.sequelize);
    const team = await db.models.Group.create({ name: 'team' });
    for (const name of ['alice', 'bob', 'carol', 'root']) {
      const u = await db.models.User.create({ username: name, password: null, isSuperuser: name === 'root', dateJoined: new Date() });
      if (name === 'alice' || name === 'bob') {
        await db.models.Membership.create({ userId: u.id, groupId: team.id });
      }
      as[name] = await actorOfUser(db.models, u);
    }
    as.public = unrestrictedActor('openquake');
    job = (await calcs.Job.create({ user_name: 'alice', status: 'complete', start_time: new Date() })).id;
    deleted = (await calcs.Job.create({ user_name: 'alice', status: 'deleted', start_time: new Date() })).id;
    output = (await calcs.Output.create({
      oq_job_id: job, display_name: 'hcurves', ds_key: 'hcurves', export_types: 'csv', last_update: new Date(), size_mb: 0,
    })).id;
  });

  after(async () => {
    await db?.sequelize.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const load = (who: string, id: string | number, action: CalcAction, aclOn = true) =>
    loadCalculationFor(calcs, as[who], String(id), action, { aclOn });

  it('unknown, deleted and malformed ids are 404 `Unknown job <id>` whoever asks', async () => {
    for (const who of ['alice', 'root', 'public']) {
      expect(await refusal(load(who, 999999, 'see'))).to.deep.equal([404, 'Unknown job 999999']);
      expect(await refusal(load(who, deleted, 'remove'))).to.deep.equal([404, `Unknown job ${deleted}`]);
      expect(await refusal(load(who, 'abc', 'see'))).to.deep.equal([404, 'Unknown job abc']);
    }
  });

  it('refuses with each action\'s message from the original', async () => {
    expect(await refusal(load('carol', job, 'see'))).to.deep.equal([403, `User carol has no permission to see job ${job}`]);
    expect(await refusal(load('carol', job, 'abort'))).to.deep.equal([403, `User carol has no permission to abort job ${job}`]);
    expect(await refusal(load('bob', job, 'remove'))).to.deep.equal([403, `Cannot delete calculation ${job}: it belongs to alice and you are bob`]);
    expect(await refusal(load('root', job, 'remove'))).to.deep.equal([403, `Cannot delete calculation ${job}: it belongs to alice and you are root`]);
    expect(await refusal(load('bob', job, 'share'))).to.deep.equal([403, `User bob has no permission to share job ${job}`]);
    expect(await refusal(load('bob', job, 'unshare'))).to.deep.equal([403, `User bob has no permission to unshare job ${job}`]);
    expect(await refusal(load('carol', job, 'continue'))).to.deep.equal([403, `User carol has no permission to use job ${job} as hazard_job_id`]);
  });

  it('lets through who the rules allow, with the job and the facts they were asked about', async () => {
    const { job: row, facts } = await load('bob', job, 'see');
    expect(row).to.include({ id: job, user_name: 'alice', status: 'complete' });
    expect(facts).to.deep.include({ userName: 'alice', status: 'complete' });
    expect(facts.ownerGroupIds).to.have.length(1);
    for (const [who, action] of [['alice', 'remove'], ['bob', 'abort'], ['root', 'share'], ['public', 'remove'], ['carol', 'continue']] as const) {
      if (who === 'carol') {
        // ACL_ON false: anyone may open (and continue from) any calculation by id
        expect(await refusal(load(who, job, action, false)), `${who} ${action}`).to.equal(null);
      } else {
        expect(await refusal(load(who, job, action)), `${who} ${action}`).to.equal(null);
      }
    }
  });

  it('an output is loaded through its calculation: 404 `Unknown output`, 403 as for seeing the job', async () => {
    expect(await refusal(loadOutputFor(calcs, as.alice, '424242', { aclOn: true }))).to.deep.equal([404, 'Unknown output 424242']);
    expect(await refusal(loadOutputFor(calcs, as.carol, String(output), { aclOn: true }))).to.deep.equal([403, `User carol has no permission to see job ${job}`]);
    const { output: o, job: j } = await loadOutputFor(calcs, as.bob, String(output), { aclOn: true });
    expect([o.id, j.id]).to.deep.equal([output, job]);
  });
});
