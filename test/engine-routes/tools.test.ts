/**
 * The engine's tools beside the calculations, against the original 3.26 running beside us:
 * ini_defaults, available_gsims and POST /v1/valid/ answer what the original answers (the engine's
 * own functions through the bridge), engine_latest_version its offline answer, and on_same_fs
 * tells only about files under the data folder, with the same answer for missing and not allowed
 * (the original reads any file the server can). The engine's Python is the real one (BRIDGE_PYTHON).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { VENV } from '../helpers/engine.js';
import { startOriginal, type OriginalServer } from '../helpers/original.js';
import { startServer, type RunningServer } from '../helpers/server.js';

/** The original's JSON, which may hold NaN or Infinity (Python's json), as JSON.parse reads it. */
function parseEngineJson(text: string): unknown {
  return JSON.parse(text.replace(/\b(-?Infinity|NaN)\b/g, 'null'));
}

const VALID_NRML = `<?xml version="1.0" encoding="UTF-8"?>
<nrml xmlns="http://openquake.org/xmlns/nrml/0.4"><logicTree logicTreeID="lt1"><logicTreeBranchingLevel branchingLevelID="bl1">
<logicTreeBranchSet uncertaintyType="gmpeModel" branchSetID="bs1" applyToTectonicRegionType="active shallow crust">
<logicTreeBranch branchID="b1"><uncertaintyModel>SadighEtAl1997</uncertaintyModel><uncertaintyWeight>1.0</uncertaintyWeight></logicTreeBranch>
</logicTreeBranchSet></logicTreeBranchingLevel></logicTree></nrml>
`;

const form = (fields: Record<string, string>): RequestInit => ({ method: 'POST', body: new URLSearchParams(fields) });

describe('the engine\'s tools (ini_defaults, available_gsims, valid, engine_latest_version, on_same_fs), beside the original', function () {
  this.timeout(240_000);
  let ours: RunningServer;
  let original: OriginalServer;

  before(async function () {
    [ours, original] = await Promise.all([
      startServer({ workers: 1, settings: { BRIDGE_PYTHON: join(VENV, 'bin', 'python') } }),
      startOriginal({ mode: 'PUBLIC', workers: 1 }),
    ]);
  });

  after(async function () {
    await Promise.all([ours?.stop(), original?.stop()]);
  });

  /** GET `path` on both servers: status, content type and the parsed JSON. */
  async function both(path: string, init?: RequestInit): Promise<{ status: number; type: string | null; body: unknown }[]> {
    return Promise.all([ours, original].map(async (s) => {
      const res = await s.fetch(path, init);
      const text = await res.text();
      return { status: res.status, type: res.headers.get('content-type'), body: res.status === 200 ? parseEngineJson(text) : text };
    }));
  }

  it('answers ini_defaults as the original: every OqParam default, as JSON', async function () {
    const [a, b] = await both('/v1/ini_defaults');
    expect([a.status, b.status]).to.deep.equal([200, 200]);
    expect(a.type).to.match(/^application\/json/);
    expect(Object.keys(a.body as object).length).to.be.greaterThan(100);
    expect(a.body).to.deep.equal(b.body);
  });

  it('answers available_gsims as the original: the engine\'s GSIM names', async function () {
    const [a, b] = await both('/v1/available_gsims');
    expect([a.status, b.status]).to.deep.equal([200, 200]);
    expect(a.type).to.match(/^application\/json/);
    expect(a.body).to.include('SadighEtAl1997');
    expect(a.body).to.deep.equal(b.body);
  });

  it('validates NRML with the engine\'s parser as the original: valid, invalid with message and line, 400 without xml_text', async function () {
    for (const xml of [VALID_NRML, VALID_NRML.replace('SadighEtAl1997', 'NoSuchGsimAtAll'), '<?xml version="1.0"?>\n<nrml>\n<oops></nrml>\n']) {
      const [a, b] = await both('/v1/valid/', form({ xml_text: xml }));
      expect(a.status).to.equal(200);
      // the parser names its temp file, which is each server's own
      const templess = (body: unknown) => JSON.parse(JSON.stringify(body).replace(/\/[^"]*?\.xml: /g, 'TEMP.xml: ')) as unknown;
      expect(templess(a.body)).to.deep.equal(templess(b.body));
    }
    const [a] = await both('/v1/valid/', form({ xml_text: VALID_NRML }));
    expect(a.body).to.deep.equal({ error_msg: null, error_line: null, valid: true });
    const [missingOurs, missingOriginal] = await both('/v1/valid/', form({}));
    expect([missingOurs.status, missingOriginal.status]).to.deep.equal([400, 400]);
  });

  it('answers engine_latest_version with the original\'s offline answer', async function () {
    const [a, b] = await Promise.all([ours, original].map(async (s) => (await s.fetch('/v1/engine_latest_version')).text()));
    expect(a).to.equal(b);
    expect(a).to.equal('None');
  });

  it('on_same_fs: true only for a file under the data folder with the checksum; a missing file, a file outside, a link out and a folder answer alike', async function () {
    const inside = join(ours.dataDir, 'qgis', 'upload.xml');
    mkdirSync(join(ours.dataDir, 'qgis'), { recursive: true });
    writeFileSync(inside, VALID_NRML);
    // the checksum the QGIS plugin sends: zlib.adler32 of the first 32 bytes, seeded with 0 (Python's zlib here)
    const sum = (file: string) => execFileSync(join(VENV, 'bin', 'python'), ['-c', 'import sys, zlib; print(zlib.adler32(open(sys.argv[1], "rb").read(32), 0) & 0xffffffff)', file]).toString().trim();
    const outside = join(ours.dir, 'outside.txt');
    writeFileSync(outside, 'a file of the server outside the data folder');
    symlinkSync(outside, join(ours.dataDir, 'qgis', 'link.txt'));
    const ask = async (s: { fetch: RunningServer['fetch'] }, filename: string, checksum: string) => {
      const res = await s.fetch('/v1/on_same_fs', form({ filename, checksum }));
      return `${res.status} ${await res.text()}`;
    };
    expect(await ask(ours, inside, sum(inside))).to.equal('200 {"success":true}');
    const refused = new Set([
      await ask(ours, inside, String(Number(sum(inside)) + 1)),
      await ask(ours, join(ours.dataDir, 'qgis', 'missing.xml'), sum(inside)),
      await ask(ours, outside, sum(outside)),
      await ask(ours, join(ours.dataDir, 'qgis', 'link.txt'), sum(outside)),
      await ask(ours, join(ours.dataDir, 'qgis'), '1'),
      await ask(ours, '/etc/hostname', sum('/etc/hostname')),
    ]);
    expect([...refused]).to.deep.equal(['200 {"success":false}']);
    // the same checksum for the same file as the original; but it tells about any file it can read, the probe this route must not be
    expect(await ask(original, inside, sum(inside))).to.equal('200 {"success": true}');
    expect(await ask(original, outside, sum(outside))).to.equal('200 {"success": true}');
  });
});
