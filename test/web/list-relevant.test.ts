/**
 * Jobs marked not relevant (job.relevant = false) are left out of the calculation list when it
 * asks `relevant=true`, as the original's pages ask: the API (items and X-Total-Count, for a
 * restricted user and a superuser) and the page agree. Deleted jobs never appear.
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { initCalcModels } from '../../src/db/models/calcs.js';
import { accountFactory, GOOD_PASSWORD, lockdownServer, type LockdownServer } from '../helpers/accounts.js';
import { browserLogin, calcRow, launchBrowser, newPage } from './support.js';

interface Spec { owner: string; relevant: boolean; status?: string }

/** One job per spec, straight into the server's database; resolves with their ids. */
async function insertJobs(s: LockdownServer, specs: Spec[]): Promise<number[]> {
  const f = await accountFactory(s.server);
  try {
    const { Job } = initCalcModels(f.db.sequelize);
    const ids: number[] = [];
    for (const [i, spec] of specs.entries()) {
      const row = await Job.create({
        user_name: spec.owner, calculation_mode: 'classical', description: `calc ${i} of ${spec.owner}${spec.relevant ? '' : ' (not relevant)'}`,
        status: (spec.status ?? 'complete') as 'complete', relevant: spec.relevant, start_time: new Date(),
      });
      ids.push(row.id);
    }
    return ids;
  } finally {
    await f.close();
  }
}

describe('jobs not relevant are left out of the calculation list (API and page)', function () {
  this.timeout(90_000);
  let s: LockdownServer;
  let browser: Browser | undefined;
  let ids: number[];
  const specs: Spec[] = [
    { owner: 'alice', relevant: true },
    { owner: 'alice', relevant: false },
    { owner: 'bob', relevant: true },
    { owner: 'bob', relevant: false },
    { owner: 'carol', relevant: false },
    { owner: 'carol', relevant: true },
    { owner: 'alice', relevant: false, status: 'deleted' },
    { owner: 'alice', relevant: true, status: 'failed' },
  ];
  const idsWhere = (f: (x: Spec) => boolean): number[] => ids.filter((_, i) => f(specs[i])).reverse();

  before(async function () {
    s = await lockdownServer([
      { username: 'alice', groups: ['team'] },
      { username: 'bob', groups: ['team'] },
      { username: 'carol', groups: ['other'] },
      { username: 'root', isSuperuser: true },
    ], { workers: 1, loginAs: ['alice', 'root'] });
    ids = await insertJobs(s, specs);
  });

  after(async function () {
    await browser?.close();
    await s?.server.stop();
  });

  async function list(who: string, query: string): Promise<{ ids: number[]; total: number }> {
    const res = await s.server.fetch(`/v1/calc/list${query}`, { headers: { Cookie: s.cookies[who] } });
    expect(res.status).to.equal(200);
    const items = (await res.json()) as Array<{ id: number }>;
    return { ids: items.map((i) => i.id), total: Number(res.headers.get('x-total-count')) };
  }

  it('relevant=true lists and counts only the relevant jobs the user may see; without it every visible job is listed', async function () {
    const team = (x: Spec): boolean => x.owner !== 'carol' && x.status !== 'deleted';
    const relevant = idsWhere((x) => team(x) && x.relevant);
    expect(await list('alice', '?relevant=true')).to.deep.equal({ ids: relevant, total: relevant.length });
    const all = idsWhere(team);
    expect(await list('alice', '')).to.deep.equal({ ids: all, total: all.length });
    const notRelevant = idsWhere((x) => team(x) && !x.relevant);
    expect(await list('alice', '?relevant=false')).to.deep.equal({ ids: notRelevant, total: notRelevant.length });
    // with a filter job_count knows (status), and one it does not (start_time)
    expect(await list('alice', '?relevant=true&status=complete')).to.deep.include({ total: 2 });
    expect(await list('alice', '?relevant=true&start_time=2000-01-01')).to.deep.include({ total: relevant.length });
  });

  it('a superuser sees every relevant job, and a bad value is a 400 naming the parameter', async function () {
    const relevant = idsWhere((x) => x.relevant && x.status !== 'deleted');
    expect(await list('root', '?relevant=true')).to.deep.equal({ ids: relevant, total: relevant.length });
    const res = await s.server.fetch('/v1/calc/list?relevant=maybe', { headers: { Cookie: s.cookies.root } });
    expect(res.status).to.equal(400);
    expect(((await res.json()) as { error: string }).error).to.match(/^Invalid relevant: /);
  });

  it('the list page shows only the relevant jobs, and counts them', async function () {
    browser = await launchBrowser();
    const ctx = await browser.newContext();
    const page = await newPage(ctx);
    await browserLogin(page, s.server, 'alice', GOOD_PASSWORD);
    const shown = idsWhere((x) => x.owner !== 'carol' && x.status !== 'deleted' && x.relevant);
    await calcRow(page, shown[0]).waitFor();
    const rows = await page.locator('#calcs tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-id'))));
    expect(rows).to.deep.equal(shown);
    expect(await page.locator('#page-info').innerText()).to.match(new RegExp(`of ${shown.length} `));
    expect(page.problems).to.deep.equal([]);
    await ctx.close();
  });
});
