/**
 * The pages refuse what the API refuses, through the same policies step, and say so as a page:
 * the outputs of a calculation the user may not see (403, the API's message), of one that does
 * not exist or was deleted (404), and the admin page for a user who is not staff (403).
 */
import { expect } from 'chai';
import { initCalcModels } from '../../src/db/models/calcs.js';
import { accountFactory, lockdownServer, type LockdownServer } from '../helpers/accounts.js';

describe('the pages refuse what the policies refuse, with a page that says why', function () {
  this.timeout(60_000);
  let s: LockdownServer;
  let alicesJob: number;
  let deletedJob: number;

  before(async function () {
    s = await lockdownServer([
      { username: 'alice', groups: ['team'] },
      { username: 'bob', groups: ['team'] },
      { username: 'carol', groups: ['other'] },
    ], { workers: 1, loginAs: ['bob', 'carol'] });
    const f = await accountFactory(s.server);
    try {
      const { Job } = initCalcModels(f.db.sequelize);
      alicesJob = (await Job.create({ user_name: 'alice', calculation_mode: 'classical', description: 'hers', status: 'complete', start_time: new Date() })).id;
      deletedJob = (await Job.create({ user_name: 'alice', calculation_mode: 'classical', description: 'gone', status: 'deleted', start_time: new Date() })).id;
    } finally {
      await f.close();
    }
  });

  after(async function () {
    await s?.server.stop();
  });

  async function page(who: string, path: string): Promise<{ status: number; text: string; type: string }> {
    const res = await s.server.fetch(path, { headers: { Cookie: s.cookies[who], Accept: 'text/html' } });
    return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' };
  }

  it('the outputs page of a calculation of another group is a 403 page with the API\'s message; a group member sees it', async function () {
    const refused = await page('carol', `/engine/${alicesJob}/outputs`);
    expect(refused.status).to.equal(403);
    expect(refused.type).to.match(/^text\/html/);
    expect(refused.text).to.include(`User carol has no permission to see job ${alicesJob}.`);
    const api = await s.server.fetch(`/v1/calc/${alicesJob}/results`, { headers: { Cookie: s.cookies.carol } });
    expect(await api.json()).to.deep.equal({ error: `User carol has no permission to see job ${alicesJob}` });
    const allowed = await page('bob', `/engine/${alicesJob}/outputs`);
    expect(allowed.status).to.equal(200);
    expect(allowed.text).to.include(`Outputs of calculation ${alicesJob}`);
  });

  it('the outputs page of a deleted or unknown calculation is a 404 page', async function () {
    for (const id of [String(deletedJob), '999999', 'abc']) {
      const r = await page('bob', `/engine/${id}/outputs`);
      expect(r.status, id).to.equal(404);
      expect(r.text, id).to.include(`There is no calculation ${id}.`);
    }
  });

  it('the admin page is a 403 page for a user who is neither staff nor superuser', async function () {
    const r = await page('bob', '/admin/');
    expect(r.status).to.equal(403);
    expect(r.type).to.match(/^text\/html/);
    expect(r.text).to.include('You are not allowed to administer users and groups.');
  });
});
