/** The pages in the other modes: LOCKDOWN off (no login), READ_ONLY (no run, abort or remove), no engine installed. */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { accountFactory } from '../helpers/accounts.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { initCalcModels } from '../../src/db/models/calcs.js';
import { calcRow, expectAccessible, launchBrowser, newPage } from './support.js';

/** Writes jobs straight into the server's database (READ_ONLY refuses uploads). */
async function insertJobs(server: RunningServer, jobs: Array<{ status: string; description: string }>): Promise<number[]> {
  const f = await accountFactory(server);
  try {
    const { Job } = initCalcModels(f.db.sequelize);
    const ids: number[] = [];
    for (const j of jobs) {
      const running = j.status === 'executing';
      const row = await Job.create({ user_name: 'root', calculation_mode: 'classical', description: j.description, status: j.status as 'complete', is_running: running, start_time: new Date() });
      ids.push(row.id);
    }
    return ids;
  } finally {
    await f.close();
  }
}

describe('the WebUI in its other modes (browser)', function () {
  this.timeout(90_000);
  let browser: Browser;
  let server: RunningServer | undefined;

  before(async function () {
    browser = await launchBrowser();
  });

  after(async function () {
    await browser?.close();
  });

  afterEach(async function () {
    await server?.stop();
    server = undefined;
  });

  it('LOCKDOWN off: the list opens without a login, with the Run button and no Hello or Admin link', async function () {
    server = await startServer({ workers: 1, settings: { LOCKDOWN: false } });
    const ctx = await browser.newContext();
    const page = await newPage(ctx);
    await page.goto(`${server.base}/`);
    expect(new URL(page.url()).pathname).to.equal('/engine/');
    await page.locator('#list-message').filter({ hasText: 'No calculations yet.' }).waitFor();
    expect(await page.getByRole('button', { name: 'Run a calculation' }).count()).to.equal(1);
    expect(await page.getByText(/Hello,/).count()).to.equal(0);
    expect(await page.getByRole('link', { name: 'Admin' }).count()).to.equal(0);
    await expectAccessible(page, 'the empty list');
    expect(page.problems).to.deep.equal([]);
    await ctx.close();
  });

  it('READ_ONLY: no Run, Abort, Remove or Continue button, though the calculations are listed', async function () {
    server = await startServer({ workers: 1, settings: { LOCKDOWN: false, APPLICATION_MODE: 'READ_ONLY' } });
    const [running, complete] = await insertJobs(server, [
      { status: 'executing', description: 'Running' }, { status: 'complete', description: 'Done' },
    ]);
    const ctx = await browser.newContext();
    const page = await newPage(ctx);
    await page.goto(`${server.base}/engine/`);
    await calcRow(page, complete).waitFor();
    await calcRow(page, running).getByRole('button', { name: `Console of calculation ${running}` }).waitFor();
    expect(await page.getByRole('button', { name: 'Run a calculation' }).count()).to.equal(0);
    for (const name of ['Abort', 'Remove', 'Continue']) {
      expect(await page.getByRole('button', { name: new RegExp(`^${name} calculation`) }).count(), name).to.equal(0);
    }
    expect(await calcRow(page, complete).getByRole('link', { name: `Outputs of calculation ${complete}` }).count()).to.equal(1);
    expect(page.problems).to.deep.equal([]);
    await ctx.close();
  });

  it('says plainly on the list page when no engine command is found, and which setting to change', async function () {
    server = await startServer({ workers: 1, settings: { LOCKDOWN: false, ENGINE_COMMAND: ['oq-not-installed-here', 'engine', '--run', '{job_ini}'] } });
    const ctx = await browser.newContext();
    const page = await newPage(ctx);
    await page.goto(`${server.base}/engine/`);
    const notice = await page.locator('#engine-notice').innerText();
    expect(notice).to.include('No engine command was found');
    expect(notice).to.include('"oq-not-installed-here"');
    expect(notice).to.include('ENGINE_COMMAND');
    await ctx.close();
  });

  it('works under WEBUI_PATHPREFIX: pages, assets and API calls all under the prefix', async function () {
    server = await startServer({ workers: 1, settings: { LOCKDOWN: false, WEBUI_PATHPREFIX: '/webui' } });
    const ctx = await browser.newContext();
    const page = await newPage(ctx);
    await page.goto(`${server.base}/webui/`);
    expect(new URL(page.url()).pathname).to.equal('/webui/engine/');
    await page.locator('#list-message').filter({ hasText: 'No calculations yet.' }).waitFor();
    const css = await page.locator('link[rel="stylesheet"]').getAttribute('href');
    expect(css).to.match(/^\/webui\/static\/style\.[0-9a-f]{10}\.css$/);
    expect(page.problems).to.deep.equal([]);
    await ctx.close();
  });
});
