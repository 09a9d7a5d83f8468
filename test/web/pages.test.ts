/**
 * The WebUI in a real Chromium against a real server (master, workers, job runner, the
 * stand-in engine), LOCKDOWN on: what scientists and admins do from the pages.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { accountFactory, GOOD_PASSWORD } from '../helpers/accounts.js';
import { VENV } from '../helpers/engine.js';
import { startServer, waitFor, type RunningServer } from '../helpers/server.js';
import { buildZip } from '../helpers/zips.js';
import { browserLogin, calcRow, expectAccessible, launchBrowser, newPage, screenshot } from './support.js';

function jobIni(params: Record<string, string>): string {
  const all = { calculation_mode: 'classical', description: 'Browser test', fake_duration: '0.2', ...params };
  return `[general]\n${Object.entries(all).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`;
}

async function zipOf(params: Record<string, string>, name = 'job.ini'): Promise<Buffer> {
  return buildZip([{ name, data: jobIni(params) }, { name: 'site_model.csv', data: 'lon,lat,vs30\n0,0,760\n' }]);
}

/** Uploads through the "Run a calculation" dialog; returns the new calculation's id. */
async function runFromPage(page: Page, zip: Buffer, name = 'calc.zip'): Promise<number> {
  await page.locator('#list-message').evaluate((e) => { e.textContent = ''; });
  await page.getByRole('button', { name: 'Run a calculation' }).click();
  await page.getByLabel(/Job files/).setInputFiles({ name, mimeType: 'application/zip', buffer: zip });
  await page.locator('#run-submit').click();
  const message = page.locator('#list-message');
  await expect(await waitFor(async () => /Calculation \d+ was created/.test(await message.innerText()), 10_000, 'the created message')).to.equal(true);
  const id = Number(/Calculation (\d+) was created/.exec(await message.innerText())?.[1]);
  await calcRow(page, id).waitFor();
  return id;
}

async function statusOf(page: Page, id: number): Promise<string> {
  return (await calcRow(page, id).getAttribute('data-status')) ?? '';
}

describe('the WebUI in a browser (LOCKDOWN on)', function () {
  this.timeout(120_000);
  let server: RunningServer;
  let browser: Browser;
  let alice: BrowserContext;
  let page: Page & { problems: string[] };

  before(async function () {
    server = await startServer({ workers: 2, settings: { LOCKDOWN: true, SERVER_NAME: 'test-server', LOGIN_FAILURE_LIMIT: 0, BRIDGE_PYTHON: join(VENV, 'bin', 'python') } });
    const f = await accountFactory(server);
    await f.createUser({ username: 'alice', groups: ['team'] });
    await f.createUser({ username: 'bob', groups: ['team'] });
    await f.createUser({ username: 'carol', groups: ['other'] });
    await f.createUser({ username: 'root', isSuperuser: true, isStaff: true });
    await f.close();
    browser = await launchBrowser();
    alice = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 800 } });
    page = await newPage(alice);
    await browserLogin(page, server, 'alice', GOOD_PASSWORD);
  });

  after(async function () {
    await browser?.close();
    await server?.stop();
  });

  beforeEach(async function () {
    if (!page.url().endsWith('/engine/')) {
      await page.goto(`${server.base}/engine/`);
    }
  });

  afterEach(function () {
    expect(page.problems, 'script errors, CSP violations or alerts on the page').to.deep.equal([]);
  });

  it('greets the logged-in user by name, with the server name, logout, help and license links, and the engine version', async function () {
    await expect(await page.getByText('Hello, alice').isVisible()).to.equal(true);
    expect(await page.locator('header .server-name').innerText()).to.equal('test-server');
    expect(await page.getByRole('button', { name: 'Log out' }).isVisible()).to.equal(true);
    expect(await page.getByRole('link', { name: 'Help' }).isVisible()).to.equal(true);
    expect(await page.getByRole('link', { name: 'Admin' }).count()).to.equal(0);
    // the first ask runs the engine's version command (up to 10 s on a loaded machine)
    await waitFor(async () => /^version \d+\.\d+/.test(await page.locator('#engine-version').innerText()), 20_000, 'the engine version');
    await page.getByRole('link', { name: 'License' }).click();
    await page.waitForURL(/\/engine\/license$/);
    expect(await page.locator('main').innerText()).to.include('GNU Affero General Public License');
    await page.goto(`${server.base}/engine/`);
  });

  it('runs an uploaded zip: the status turns complete without a reload, the console shows lines while it runs, the outputs page opens', async function () {
    await page.evaluate(() => { (globalThis as unknown as { marker: number }).marker = 42; });
    const id = await runFromPage(page, await zipOf({ fake_duration: '8', description: 'Watched from the page' }));
    await waitFor(async () => (await statusOf(page, id)) === 'executing', 15_000, 'executing');
    await calcRow(page, id).getByRole('button', { name: `Console of calculation ${id}` }).click();
    const log = page.locator('#console-log .line');
    await waitFor(async () => (await log.count()) > 0, 10_000, 'log lines in the console');
    const title = page.locator('#console-title');
    expect(await title.innerText()).to.not.include('finished');
    await waitFor(async () => page.locator('#console-progress').isVisible(), 10_000, 'the progress bar of the console');
    await screenshot(page, 'console');
    await waitFor(async () => (await title.innerText()).includes('(finished: complete)'), 20_000, 'the console title to say it finished');
    expect(await log.allInnerTexts()).to.satisfy((lines: string[]) => lines.some((l) => l.includes('classical 100%')));
    await page.locator('#console-dialog').getByRole('button', { name: 'Close' }).click();
    await waitFor(async () => (await statusOf(page, id)) === 'complete', 10_000, 'complete in the list');
    // no reload happened: the page's own state survived
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).to.equal(42);

    await calcRow(page, id).getByRole('link', { name: `Outputs of calculation ${id}` }).click();
    await page.waitForURL(new RegExp(`/engine/${id}/outputs$`));
    // the outputs themselves are the engine's (the stand-in has none: test/results shows them with the real engine)
    await page.getByRole('link', { name: 'Download hdf5 datastore' }).waitFor();
    await expectAccessible(page, 'the outputs page');
    await screenshot(page, 'outputs');
    await page.goto(`${server.base}/engine/`);
  });

  it('shows the traceback of a failed calculation', async function () {
    const id = await runFromPage(page, await zipOf({ fake_behaviour: 'fail', description: 'Meant to fail' }));
    await waitFor(async () => (await statusOf(page, id)) === 'failed', 30_000, 'failed');
    await calcRow(page, id).getByRole('button', { name: `Traceback of calculation ${id}` }).click();
    await waitFor(async () => (await page.locator('#traceback-text').innerText()).includes('RuntimeError: fake failure requested by job.ini'), 5000, 'the traceback');
    await page.locator('#traceback-dialog').getByRole('button', { name: 'Close' }).click();
    await page.goto(`${server.base}/engine/${id}/outputs`);
    await waitFor(async () => (await page.locator('#traceback').innerText()).includes('RuntimeError: fake failure'), 5000, 'the traceback on the outputs page');
    await page.goto(`${server.base}/engine/`);
    await calcRow(page, id).waitFor();
  });

  it('aborts a long-running calculation from the page, behind a confirm dialog', async function () {
    // the engine logs its last percentage early, then runs on (exports, saving) until aborted
    const id = await runFromPage(page, await zipOf({ fake_duration: '2', fake_after_progress: '60', description: 'Long-running, aborted from the page' }));
    await waitFor(async () => (await statusOf(page, id)) === 'executing', 15_000, 'executing');
    // the list with a running (progress bar), a failed and a complete calculation
    await waitFor(async () => (await calcRow(page, id).locator('progress').count()) === 1, 15_000, 'the progress bar');
    // past its last percentage the row says the task is finishing, with an indeterminate bar, not a full one
    await waitFor(async () => (await calcRow(page, id).locator('.percent').innerText()) === 'classical 100%, finishing…', 15_000, 'the phase after the last percentage');
    expect(await calcRow(page, id).locator('progress').getAttribute('value')).to.equal(null);
    expect(await calcRow(page, id).locator('progress').getAttribute('aria-label')).to.equal(`Progress of calculation ${id}: classical 100%, finishing…`);
    await screenshot(page, 'list');
    await expectAccessible(page, 'the calculation list');
    await calcRow(page, id).getByRole('button', { name: `Abort calculation ${id}` }).click();
    await page.getByRole('button', { name: 'Cancel' }).and(page.locator('#confirm-dialog button')).click();
    expect(await statusOf(page, id)).to.equal('executing');
    await calcRow(page, id).getByRole('button', { name: `Abort calculation ${id}` }).click();
    await page.locator('#confirm-yes').click();
    await waitFor(async () => (await statusOf(page, id)) === 'aborted', 20_000, 'aborted');
  });

  it('shows the server\'s refusal of an upload without a .ini file as a sentence in the dialog', async function () {
    await page.getByRole('button', { name: 'Run a calculation' }).click();
    const zip = await buildZip([{ name: 'site_model.csv', data: 'lon,lat\n0,0\n' }]);
    await page.getByLabel(/Job files/).setInputFiles({ name: 'noini.zip', mimeType: 'application/zip', buffer: zip });
    await page.locator('#run-submit').click();
    const error = page.locator('#run-error');
    await error.waitFor({ state: 'visible' });
    expect(await error.innerText()).to.include('There are no .ini files in the archive');
    expect(await error.innerText()).to.not.match(/at .*\.js:\d+/);
    await page.locator('#run-dialog').getByRole('button', { name: 'Cancel' }).click();
  });

  it('shows a description with markup as text (no element is created from it)', async function () {
    const evil = '<img src=x onerror=alert(1)>';
    const id = await runFromPage(page, await zipOf({ description: evil }));
    const cell = calcRow(page, id).locator('td.description');
    expect(await cell.innerText()).to.equal(evil);
    expect(await calcRow(page, id).locator('img').count()).to.equal(0);
    await waitFor(async () => ['complete', 'failed'].includes(await statusOf(page, id)), 15_000, 'finished');
  });

  it('removes a calculation after confirmation', async function () {
    const id = await runFromPage(page, await zipOf({ description: 'To be removed' }));
    await waitFor(async () => (await statusOf(page, id)) === 'complete', 15_000, 'complete');
    await calcRow(page, id).getByRole('button', { name: `Remove calculation ${id}` }).click();
    expect(await page.locator('#confirm-text').innerText()).to.include('cannot be undone');
    await page.locator('#confirm-yes').click();
    await waitFor(async () => (await calcRow(page, id).count()) === 0, 10_000, 'the row to disappear');
    const cookies = (await alice.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    expect((await server.fetch(`/v1/calc/${id}`, { headers: { cookie: cookies } })).status).to.equal(404);
  });

  it('shares a calculation: a user of another group sees it only after Share', async function () {
    const id = await runFromPage(page, await zipOf({ description: 'Shared with everyone' }));
    await waitFor(async () => (await statusOf(page, id)) === 'complete', 15_000, 'complete');
    const carolContext = await browser.newContext();
    const carol = await newPage(carolContext);
    try {
      await browserLogin(carol, server, 'carol', GOOD_PASSWORD);
      await carol.locator('#list-message').filter({ hasText: 'No calculations yet.' }).waitFor();
      expect(await calcRow(carol, id).count()).to.equal(0);
      // bob, in alice's group, sees it but may not remove or share it
      await calcRow(page, id).getByRole('button', { name: `Share calculation ${id}` }).click();
      await page.locator('#confirm-yes').click();
      await waitFor(async () => (await statusOf(page, id)) === 'shared', 10_000, 'shared');
      expect(await calcRow(page, id).getByRole('button', { name: `Unshare calculation ${id}` }).count()).to.equal(1);
      await carol.reload();
      await calcRow(carol, id).waitFor({ timeout: 10_000 });
      expect(await calcRow(carol, id).getByRole('button', { name: `Remove calculation ${id}` }).count()).to.equal(0);
      expect(await calcRow(carol, id).getByRole('button', { name: `Unshare calculation ${id}` }).count()).to.equal(0);
      expect(carol.problems).to.deep.equal([]);
    } finally {
      await carolContext.close();
    }
  });

  it('lets a group member see a colleague\'s calculation without Remove or Share buttons', async function () {
    const bobContext = await browser.newContext();
    const bob = await newPage(bobContext);
    try {
      await browserLogin(bob, server, 'bob', GOOD_PASSWORD);
      const first = bob.locator('#calcs tbody tr').first();
      await first.waitFor();
      expect(await bob.locator('#calcs tbody tr').count()).to.be.greaterThan(0);
      const ids = await bob.locator('#calcs tbody tr').evaluateAll((rows) => rows.map((r) => Number((r as unknown as { dataset: Record<string, string> }).dataset.id)));
      for (const id of ids) {
        expect(await calcRow(bob, id).getByRole('button', { name: `Remove calculation ${id}` }).count()).to.equal(0);
        expect(await calcRow(bob, id).getByRole('button', { name: `Console of calculation ${id}` }).count()).to.equal(1);
      }
      expect(bob.problems).to.deep.equal([]);
    } finally {
      await bobContext.close();
    }
  });

  it('keeps the filter, page and scroll position while the list refreshes itself every 3 s during a run', async function () {
    await page.setViewportSize({ width: 800, height: 260 });
    await page.goto(`${server.base}/engine/?limit=1`);
    await page.locator('#calcs tbody tr').first().waitFor();
    await page.getByLabel('Status').selectOption('complete');
    await page.getByRole('button', { name: 'Filter' }).click();
    await waitFor(async () => new URL(page.url()).searchParams.get('status') === 'complete', 5000, 'the filter in the address');
    await waitFor(async () => /page 1 of [2-9]/.test(await page.locator('#page-info').innerText()), 5000, 'several pages of complete calculations');
    await page.getByRole('button', { name: 'Next page' }).click();
    await waitFor(async () => /page 2 of/.test(await page.locator('#page-info').innerText()), 5000, 'page 2');
    const statuses = () => page.locator('#calcs tbody tr').evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: Record<string, string> }).dataset.status));
    await waitFor(async () => (await statuses()).length > 0 && (await statuses()).every((st) => st === 'complete'), 5000, 'only complete calculations');
    const scrolled = await page.evaluate(() => { const w = globalThis as unknown as { scrollY: number; scrollTo(x: number, y: number): void }; w.scrollTo(0, 120); return w.scrollY; });
    expect(scrolled).to.be.greaterThan(0);
    // a calculation starts (through the API, as from another window): the list polls, filter and scroll stay
    const cookie = (await alice.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const form = new FormData();
    // long enough that it still runs when the third poll comes on a loaded machine; aborted below
    form.append('archive', new Blob([await zipOf({ fake_duration: '60', description: 'Running elsewhere' })]), 'calc.zip');
    const started = await server.fetch('/v1/calc/run', { method: 'POST', body: form, headers: { cookie } });
    expect(started.status).to.equal(200);
    const runningId = ((await started.json()) as { job_id: number }).job_id;
    const polls: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/v1/calc/list?') && r.url().includes('status=complete')) {
        polls.push(r.url());
      }
    });
    // every 3 s while it runs: three polls come well within a minute even on a loaded machine
    await waitFor(() => polls.length >= 3, 60_000, 'three refreshes of the filtered page');
    expect(polls.every((u) => new URL(u).searchParams.get('offset') === '1')).to.equal(true);
    expect(await page.getByLabel('Status').inputValue()).to.equal('complete');
    expect(new URL(page.url()).searchParams.get('page')).to.equal('2');
    expect(await page.evaluate(() => (globalThis as unknown as { scrollY: number }).scrollY)).to.equal(scrolled);
    expect((await statuses()).every((st) => st === 'complete')).to.equal(true);
    await server.fetch(`/v1/calc/${runningId}/abort`, { method: 'POST', headers: { cookie } });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${server.base}/engine/`);
  });

  it('shows a wrong password as an error and writes the failed login to webui-access.log', async function () {
    const ctx = await browser.newContext();
    const p = await newPage(ctx);
    try {
      await p.goto(`${server.base}/accounts/login/`);
      await p.getByLabel('Username').fill('alice');
      await p.getByLabel('Password').fill('not-her-password');
      await p.getByRole('button', { name: 'Log in' }).click();
      await p.locator('.errorlist').waitFor();
      expect(await p.locator('.errorlist').innerText()).to.include('Please enter a correct username and password');
      await expectAccessible(p, 'the login page');
      await screenshot(p, 'login-error');
      const line = await waitFor(() => readFileSync(join(server.logDir, 'webui-access.log'), 'utf8').split('\n').find((l) => l.includes('failed to log in')), 5000, 'the failed-login line');
      expect(line).to.match(/User "alice" \(IP: 127\.0\.0\.1\) failed to log in through page .*\(incorrect password\)/);
      expect(p.problems).to.deep.equal([]);
    } finally {
      await ctx.close();
    }
  });

  it('lets an admin create a group and a user in the admin pages, and that user logs in', async function () {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const admin = await newPage(ctx);
    try {
      await browserLogin(admin, server, 'root', GOOD_PASSWORD);
      await admin.getByRole('link', { name: 'Admin' }).click();
      await admin.waitForURL(/\/admin\/$/);
      await admin.locator('#users tbody tr[data-username="alice"]').waitFor();
      await admin.getByLabel('New group name').fill('hazard-team');
      await admin.getByRole('button', { name: 'Create group' }).click();
      await admin.locator('#groups tbody tr[data-group="hazard-team"]').waitFor();
      await admin.getByText('Create a user').click();
      await admin.getByLabel('Username', { exact: true }).fill('dave');
      await admin.getByLabel('Email').first().fill('dave@example.org');
      await admin.getByLabel('Password', { exact: true }).fill(GOOD_PASSWORD);
      await admin.getByLabel('Password again').fill(GOOD_PASSWORD);
      await admin.locator('#user-create').getByLabel('hazard-team').check();
      await admin.getByRole('button', { name: 'Create user' }).click();
      await admin.locator('#users tbody tr[data-username="dave"]').waitFor();
      expect(await admin.locator('#users tbody tr[data-username="dave"]').innerText()).to.include('hazard-team');
      await expectAccessible(admin, 'the admin page');
      await screenshot(admin, 'admin');
      expect(admin.problems).to.deep.equal([]);
      // the same audit lines as the JSON routes
      await server.waitForOutput(/Admin "root" created user "dave"/);
      await server.waitForOutput(/Admin "root" created group "hazard-team"/);
    } finally {
      await ctx.close();
    }
    const daveContext = await browser.newContext();
    const dave = await newPage(daveContext);
    try {
      await browserLogin(dave, server, 'dave', GOOD_PASSWORD);
      expect(await dave.getByText('Hello, dave').isVisible()).to.equal(true);
    } finally {
      await daveContext.close();
    }
  });

  it('continues a complete hazard calculation: uploaded job files, the .ini choice defaults to risk.ini', async function () {
    const hazard = await runFromPage(page, await zipOf({ description: 'Hazard to continue' }));
    await waitFor(async () => (await statusOf(page, hazard)) === 'complete', 15_000, 'complete');
    await calcRow(page, hazard).getByRole('button', { name: `Continue calculation ${hazard}` }).click();
    expect(await page.locator('#run-title').innerText()).to.equal(`Continue calculation ${hazard}`);
    await page.getByLabel(/Job files/).setInputFiles([
      { name: 'job.ini', mimeType: 'text/plain', buffer: Buffer.from(jobIni({ description: 'Hazard again' })) },
      { name: 'risk.ini', mimeType: 'text/plain', buffer: Buffer.from(jobIni({ calculation_mode: 'classical_risk', description: 'Risk on top' })) },
    ]);
    expect(await page.getByLabel('Job file to run (.ini)').inputValue()).to.equal('risk.ini');
    await page.locator('#list-message').evaluate((e) => { e.textContent = ''; });
    await page.locator('#run-submit').click();
    await waitFor(async () => /Calculation \d+ was created/.test(await page.locator('#list-message').innerText()), 10_000, 'the created message');
    const risk = Number(/Calculation (\d+) was created/.exec(await page.locator('#list-message').innerText())?.[1]);
    await calcRow(page, risk).waitFor();
    const cookie = (await alice.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const item = await (await server.fetch(`/v1/calc/${risk}/status`, { headers: { cookie } })).json() as { parent_id: number; calculation_mode: string; description: string };
    expect(item.parent_id).to.equal(hazard);
    expect(item.description).to.equal('Risk on top');
    await waitFor(async () => ['complete', 'failed'].includes(await statusOf(page, risk)), 20_000, 'the risk job to finish');
  });

  it('shows the password change page in the layout, and logs out from the header', async function () {
    await page.getByRole('link', { name: 'Change password' }).click();
    await page.waitForURL(/\/accounts\/password_change\/$/);
    expect(await page.getByText('Hello, alice').isVisible()).to.equal(true);
    expect(await page.getByLabel('Old password').count()).to.equal(1);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/accounts\/login\//);
    await page.goto(`${server.base}/engine/`);
    await page.waitForURL(/\/accounts\/login\/\?next=\/engine\//);
    // back in for the next test files' habits: nothing else runs after this one
    await browserLogin(page, server, 'alice', GOOD_PASSWORD);
  });
});
