/**
 * Results as the original gives them, on one real multi-realization calculation run by both
 * servers (demo.ts): the list (one item per engine output: names, types, outtypes, in the
 * original's order), a download in every outtype opened by the tool that reads it and equal to
 * the original's, an unknown type refused with a clear 4xx, the access rules of every calculation
 * route, and the Outputs page in Chromium with one row per output and a button per format.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { tempDir } from '../helpers/server.js';
import { browserLogin, expectAccessible, launchBrowser, newPage, screenshot } from '../web/support.js';
import { GOOD_PASSWORD } from '../helpers/accounts.js';
import { startDemo, type Demo } from './demo.js';
import { openDownloads, type Opened } from './readers.js';

interface Result { id: number; name: string; type: string; outtypes: string[]; url: string; size_mb: number | null }

/** A download's file name with the server's own ids taken out (`output-<id>-x_<engine id>.csv`). */
function sameName(disposition: string | null): string {
  return (disposition ?? '').replace(/filename=output-\d+-/, 'filename=output-ID-').replace(/_\d+\.(\w+)$/, '_N.$1');
}

/** A reader's findings with the engine's calc ids taken out of member names, and the report's text (timings) left out. */
function comparable(o: Opened): unknown {
  switch (o.kind) {
    case 'zip':
      return { kind: 'zip', members: Object.fromEntries(Object.entries(o.members).map(([k, v]) => [k.replace(/_\d+\.(\w+)$/, '_N.$1'), comparable(v)])) };
    case 'text':
      return { kind: 'text' };
    default:
      return o;
  }
}

/** Equal, numbers (CSV cells too) within a relative 1e-5: sums made in another order differ in their last digits. */
function expectSame(a: unknown, b: unknown, where: string): void {
  const num = (v: unknown): number | null => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null);
  const [x, y] = [num(a), num(b)];
  if (x !== null && y !== null) {
    expect(Math.abs(x - y) <= 1e-5 * Math.max(Math.abs(x), Math.abs(y)), `${where}: ${x} vs ${y}`).to.equal(true);
  } else if (Array.isArray(a) && Array.isArray(b)) {
    expect(a.length, `${where}: length`).to.equal(b.length);
    a.forEach((v, i) => expectSame(v, b[i], `${where}[${i}]`));
  } else if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    expect(Object.keys(a).sort(), `${where}: keys`).to.deep.equal(Object.keys(b).sort());
    for (const k of Object.keys(a)) {
      expectSame((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${where}.${k}`);
    }
  } else {
    expect(a, where).to.equal(b);
  }
}

describe('results as the original gives them (a real multi-realization calculation on both servers)', function () {
  this.timeout(1_200_000);
  let demo: Demo;
  let ours: Result[];
  let theirs: Result[];
  const owner = (): RequestInit => ({ headers: { cookie: demo.cookies.owner } });

  before(async function () {
    demo = await startDemo();
    const res = await demo.ours.fetch(`/v1/calc/${demo.ourId}/results`, owner());
    expect(res.status, await res.clone().text()).to.equal(200);
    ours = await res.json() as Result[];
    theirs = await (await demo.original.fetch(`/v1/calc/${demo.originalId}/results`)).json() as Result[];
  });
  after(async () => { await demo?.stop(); });

  it('lists one result per engine output, with the original\'s names, types and outtypes in its order', async () => {
    const shape = (rs: Result[]) => rs.map((r) => ({ name: r.name, type: r.type, outtypes: r.outtypes }));
    expect(shape(ours)).to.deep.equal(shape(theirs));
    expect(ours.map((r) => r.type)).to.include.members(['fullreport', 'hcurves', 'hmaps', 'uhs', 'realizations']);
    for (const r of ours) {
      expect(r.url).to.equal(`${demo.ours.base}/v1/calc/result/${r.id}?export_type=${r.outtypes[0]}`);
    }
    // asked again: the same ids (copied from the engine once)
    const again = await (await demo.ours.fetch(`/v1/calc/${demo.ourId}/result/list`, owner())).json() as Result[];
    expect(again).to.deep.equal(ours);
  });

  it('a download in every outtype opens in the tool that reads it and holds what the original\'s holds', async () => {
    const dir = tempDir('oq-results-');
    try {
      const files: [string, string][] = [];
      const pairs: { what: string; mine: string; theirs: string }[] = [];
      for (const [i, r] of ours.entries()) {
        const o = theirs[i];
        for (const t of r.outtypes) {
          const [a, b] = await Promise.all([
            demo.ours.fetch(`/v1/calc/result/${r.id}?export_type=${t}`, owner()),
            demo.original.fetch(`/v1/calc/result/${o.id}?export_type=${t}`),
          ]);
          const what = `${r.type} ${t}`;
          expect(a.status, `${what}: ${await a.clone().text()}`).to.equal(200);
          expect(b.status, what).to.equal(200);
          expect(a.headers.get('content-type'), what).to.equal(b.headers.get('content-type'));
          expect(sameName(a.headers.get('content-disposition')), what).to.equal(sameName(b.headers.get('content-disposition')));
          const name = /filename=(.*)$/.exec(a.headers.get('content-disposition') ?? '')?.[1] ?? '';
          const mine = join(dir, `ours-${r.id}-${t}`);
          const their = join(dir, `theirs-${o.id}-${t}`);
          writeFileSync(mine, Buffer.from(await a.arrayBuffer()));
          writeFileSync(their, Buffer.from(await b.arrayBuffer()));
          files.push([mine, name], [their, name]);
          pairs.push({ what, mine, theirs: their });
        }
      }
      const opened = await openDownloads(files);
      const kinds = new Set<string>();
      for (const p of pairs) {
        kinds.add(opened[p.mine].kind);
        expectSame(comparable(opened[p.mine]), comparable(opened[p.theirs]), p.what);
      }
      // the demo's outputs give every kind but NRML XML (no classical output exports it in 3.26)
      expect([...kinds].sort()).to.deep.equal(['csv', 'npz', 'text', 'zip']);
      const report = pairs.find((p) => p.what === 'fullreport rst');
      expect(opened[report?.mine ?? ''].kind).to.equal('text');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an export type the output does not offer is a 404 naming the types it offers; no type at all asks for xml, as the original', async () => {
    const hcurves = ours.find((r) => r.type === 'hcurves') as Result;
    for (const [query, type] of [['?export_type=bogus', 'bogus'], ['?export_type=xml', 'xml'], ['', 'xml'], ['?export_type=', 'xml']]) {
      const res = await demo.ours.fetch(`/v1/calc/result/${hcurves.id}${query}`, owner());
      expect(res.status, query).to.equal(404);
      expect(await res.json(), query).to.deep.equal({ error: `Nothing to export for export_type=${type}, hcurves: it exports as csv, npz` });
    }
    const unknown = await demo.ours.fetch('/v1/calc/result/999999?export_type=csv', owner());
    expect(unknown.status).to.equal(404);
    expect(await unknown.json()).to.deep.equal({ error: 'Unknown output 999999' });
  });

  it('access: a group member lists and downloads; an outsider and an anonymous caller are refused as on the other calculation routes', async () => {
    const hcurves = ours.find((r) => r.type === 'hcurves') as Result;
    const ask = async (path: string, cookie: string) => {
      const res = await demo.ours.fetch(path, { headers: { cookie } });
      return `${res.status} ${await res.text()}`;
    };
    expect((await ask(`/v1/calc/${demo.ourId}/results`, demo.cookies.member)).slice(0, 3)).to.equal('200');
    expect((await ask(`/v1/calc/result/${hcurves.id}?export_type=npz`, demo.cookies.member)).slice(0, 3)).to.equal('200');
    for (const [who, cookie] of [['outsider', demo.cookies.outsider], ['anonymous', '']]) {
      const info = await ask(`/v1/calc/${demo.ourId}`, cookie);
      expect(info.slice(0, 1), who).to.equal('4');
      expect(await ask(`/v1/calc/${demo.ourId}/results`, cookie), who).to.equal(info);
      const download = await ask(`/v1/calc/result/${hcurves.id}?export_type=npz`, cookie);
      expect(download.slice(0, 3), who).to.equal(info.slice(0, 3));
      expect(download, who).to.not.include('hcurves');
    }
  });

  it('the Outputs page shows one row per output with a download button per format, which downloads', async function () {
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ acceptDownloads: true });
      const page = await newPage(context);
      await browserLogin(page, demo.ours, 'owner', GOOD_PASSWORD);
      await page.goto(`${demo.ours.base}/engine/${demo.ourId}/outputs`);
      const rows = page.locator('#outputs tbody tr');
      await rows.first().waitFor();
      expect(await rows.count()).to.equal(ours.length);
      for (const [i, r] of ours.entries()) {
        const row = rows.nth(i);
        expect(await row.locator('td').nth(1).innerText()).to.equal(r.name);
        expect(await row.locator('a').allInnerTexts()).to.deep.equal(r.outtypes.map((t) => `Download ${t}`));
      }
      const hmaps = ours.findIndex((r) => r.type === 'hmaps');
      const [download] = await Promise.all([page.waitForEvent('download'), rows.nth(hmaps).getByText('Download csv').click()]);
      expect(download.suggestedFilename()).to.equal(`output-${ours[hmaps].id}-hmaps-csv.zip`);
      await expectAccessible(page, 'the outputs page');
      await screenshot(page, 'results-outputs');
      expect(page.problems).to.deep.equal([]);
    } finally {
      await browser.close();
    }
  });
});
