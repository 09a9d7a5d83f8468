/**
 * The pages work on a machine without internet: every page (login, list, outputs, license,
 * admin) loads everything it needs from this server, and no request fails on the way, the login
 * page included. Links to other sites (Help: the online manual, the license's text) are only links.
 */
import { expect } from 'chai';
import type { Browser, BrowserContext } from 'playwright-core';
import { initCalcModels } from '../../src/db/models/calcs.js';
import { accountFactory, GOOD_PASSWORD, lockdownServer, type LockdownServer } from '../helpers/accounts.js';
import { browserLogin, launchBrowser, newPage } from './support.js';

describe('the pages load nothing from another site (they work offline)', function () {
  this.timeout(90_000);
  let s: LockdownServer;
  let browser: Browser;
  let ctx: BrowserContext;
  let jobId: number;
  const elsewhere: string[] = [];
  const failed: string[] = [];

  before(async function () {
    s = await lockdownServer([{ username: 'root', isSuperuser: true, isStaff: true }], { workers: 1 });
    const f = await accountFactory(s.server);
    try {
      const { Job } = initCalcModels(f.db.sequelize);
      jobId = (await Job.create({ user_name: 'root', calculation_mode: 'classical', description: 'done', status: 'complete', start_time: new Date() })).id;
    } finally {
      await f.close();
    }
    browser = await launchBrowser();
    ctx = await browser.newContext();
    // as without internet: a request to another site is refused, and remembered
    const origin = new URL(s.server.base).origin;
    await ctx.route('**/*', async (route) => {
      const url = route.request().url();
      if (new URL(url).origin === origin || url.startsWith('data:')) {
        await route.continue();
      } else {
        elsewhere.push(url);
        await route.abort('internetdisconnected');
      }
    });
    ctx.on('response', (r) => {
      // the outputs page asks (HEAD) whether the datastore exists: 404 is its "no"
      // and its results, 404 when the engine listed none (503: the stand-in engine has no Python)
      const probe = (r.request().method() === 'HEAD' && r.url().endsWith('/datastore')) || ([404, 503].includes(r.status()) && r.url().endsWith('/results'));
      if (r.status() >= 400 && !probe) {
        failed.push(`${r.status()} ${r.url()}`);
      }
    });
  });

  after(async function () {
    await browser?.close();
    await s?.server.stop();
  });

  it('login, list, outputs, license and admin pages request only this server, and every request succeeds', async function () {
    const page = await newPage(ctx);
    await browserLogin(page, s.server, 'root', GOOD_PASSWORD);
    await page.locator('#engine-version').filter({ hasText: /^version / }).waitFor();
    for (const path of [`/engine/${jobId}/outputs`, '/engine/license', '/admin/']) {
      await page.goto(`${s.server.base}${path}`);
      await page.waitForLoadState('networkidle');
    }
    const help = page.getByRole('link', { name: 'Help' });
    expect(await help.getAttribute('href')).to.match(/^https:\/\/docs\.openquake\.org\//);
    expect(elsewhere, 'requests to other sites').to.deep.equal([]);
    expect(failed, 'failed requests').to.deep.equal([]);
    expect(page.problems).to.deep.equal([]);
  });
});
