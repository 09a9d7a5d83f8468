/**
 * Browser tests' support: Debian's Chromium driven by playwright-core, logging in through the
 * login page, axe-core injected into the page, screenshots under test/artifacts/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { expect } from 'chai';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { PACKAGE_ROOT } from '../../src/paths.js';
import type { RunningServer } from '../helpers/server.js';

export const ARTIFACTS = join(PACKAGE_ROOT, 'test', 'artifacts');
const require = createRequire(import.meta.url);

/** Builds the pages' assets when this checkout has not (npm run build does). */
export function ensureAssets(): void {
  if (!existsSync(join(PACKAGE_ROOT, 'dist', 'static', 'manifest.json'))) {
    execFileSync(process.execPath, [join(PACKAGE_ROOT, 'src', 'client', 'build.mjs')], { stdio: 'inherit' });
  }
}

/** Headless Chromium (the Debian package), without any network of its own. */
export function launchBrowser(): Promise<Browser> {
  ensureAssets();
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
      '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A page that fails the test on what a user would not see but must not happen: a script error,
 * a Content-Security-Policy violation, a JavaScript alert (an injected script).
 */
export async function newPage(context: BrowserContext): Promise<Page & { problems: string[] }> {
  const page = await context.newPage() as Page & { problems: string[] };
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) {
      page.problems.push(`CSP: ${m.text()}`);
    }
  });
  page.on('dialog', (d) => {
    page.problems.push(`a JavaScript dialog opened: ${d.message()}`);
    void d.dismiss();
  });
  return page;
}

/** Logs in through the login page and waits for the list. */
export async function browserLogin(page: Page, server: RunningServer, username: string, password: string): Promise<void> {
  await page.goto(`${server.base}/engine/`);
  await page.waitForURL(/\/accounts\/login\//);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/\/engine\/$/);
}

/** Runs axe-core in the page; fails on serious or critical violations. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  // evaluated through the DevTools protocol: the page's CSP (rightly) forbids injected <script>s
  await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(o: unknown): Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: unknown }> }> }> } }).axe;
    const r = await axe.run({ resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => JSON.stringify(n.target)).slice(0, 5) }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad, `${what}: ${JSON.stringify(bad, null, 1)}`).to.deep.equal([]);
}

/** Saves a screenshot under test/artifacts/ (for a person to look at); returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The row of a calculation in the list. */
export function calcRow(page: Page, id: number) {
  return page.locator(`#calcs tbody tr[data-id="${id}"]`);
}
