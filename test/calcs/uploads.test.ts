import { readdirSync } from 'node:fs';
import { expect } from 'chai';
import { startServer, type RunningServer } from '../helpers/server.js';
import { buildZip, calcZip, getJson, jobIni, renameEntry, runCalc, submit, uploadForm, waitStatus, type UploadFile } from './support.js';

const MAX_UPLOAD = 64 * 1024;
const MAX_EXTRACTED = 256 * 1024;

describe('POST /v1/calc/run: uploads', function () {
  this.timeout(60_000);
  let server: RunningServer;

  before(async () => {
    server = await startServer({ workers: 1, settings: { MAX_UPLOAD_SIZE: MAX_UPLOAD, MAX_EXTRACTED_SIZE: MAX_EXTRACTED } });
  });

  after(async () => {
    await server?.stop();
  });

  /** What the data folder holds besides the database: calculation folders and pending uploads. */
  function dataState(): { calcs: string[]; uploads: string[] } {
    const names = readdirSync(server.dataDir);
    let uploads: string[] = [];
    try {
      uploads = readdirSync(`${server.dataDir}/uploads`);
    } catch {
      uploads = [];
    }
    return { calcs: names.filter((n) => n.startsWith('calc_')).sort(), uploads };
  }

  async function total(): Promise<number> {
    return Number((await server.fetch('/v1/calc/list')).headers.get('x-total-count'));
  }

  /** Sends a refused upload: 4xx, the original's {traceback, job_id} shape, no job row, no files. */
  async function refused(files: UploadFile[], fields: Record<string, string>, status: number, message: RegExp): Promise<void> {
    const before = { jobs: await total(), data: dataState() };
    const res = await runCalc(server, files, fields);
    const body = (await res.json()) as { traceback: string[]; job_id: null };
    expect(res.status, JSON.stringify(body)).to.equal(status);
    expect(body.job_id).to.equal(null);
    expect(body.traceback.join('\n')).to.match(message);
    expect(await total()).to.equal(before.jobs);
    expect(dataState()).to.deep.equal(before.data);
  }

  it('a zip without .ini is refused with the original message, as a 400', async () => {
    await refused([{ name: 'a.zip', data: await buildZip([{ name: 'exposure.csv', data: 'x' }]) }], {}, 400, /^There are no \.ini files in the archive$/);
  });

  it('a zip entry going up with ../ is refused', async () => {
    const zip = renameEntry(await buildZip([{ name: 'job.ini', data: jobIni() }, { name: 'zz/evil.ini', data: 'x' }]), 'zz/evil.ini', '../evil.ini');
    await refused([{ name: 'a.zip', data: zip }], {}, 400, /"\.\.\/evil\.ini" points outside the calculation folder/);
  });

  it('a zip entry with an absolute path is refused', async () => {
    const zip = renameEntry(await buildZip([{ name: 'job.ini', data: jobIni() }, { name: 'tmp/evil.ini', data: 'x' }]), 'tmp/evil.ini', '/tmp/evil.in');
    await refused([{ name: 'a.zip', data: zip }], {}, 400, /has an absolute path/);
  });

  it('a zip holding a symbolic link is refused', async () => {
    const zip = await buildZip([{ name: 'job.ini', data: jobIni() }, { name: 'passwd', data: '/etc/passwd', mode: 0o120777 }]);
    await refused([{ name: 'a.zip', data: zip }], {}, 400, /"passwd" is a symbolic link/);
  });

  it('a zip entry whose name is longer than a file system allows is refused with 400, not a 500', async () => {
    const long = `${'n'.repeat(300)}.csv`;
    await refused([{ name: 'a.zip', data: await buildZip([{ name: 'job.ini', data: jobIni() }, { name: long, data: 'x' }]) }], {}, 400, /has a file or folder name longer than 255 bytes/);
    const deep = Array.from({ length: 20 }, () => 'd'.repeat(250)).join('/');
    await refused([{ name: 'a.zip', data: await buildZip([{ name: 'job.ini', data: jobIni() }, { name: `${deep}/x.csv`, data: 'x' }]) }], {}, 400, /has a path longer than the 4096 bytes/);
  });

  it('a plain file whose name has the longest length a file system allows is accepted', async () => {
    const name = `${'n'.repeat(251)}.csv`;
    const res = await runCalc(server, [{ name: 'job.ini', data: jobIni() }, { name, data: 'id\n' }]);
    const body = (await res.json()) as { job_id: number };
    expect(res.status, JSON.stringify(body)).to.equal(200);
    expect(readdirSync(`${server.dataDir}/calc_${body.job_id}/input`).sort()).to.deep.equal(['job.ini', name]);
    await waitStatus(server, body.job_id, ['complete']);
  });

  it('a zip that expands past MAX_EXTRACTED_SIZE (a zip bomb) is refused', async () => {
    const zip = await buildZip([{ name: 'job.ini', data: jobIni() }, { name: 'zeros.csv', data: Buffer.alloc(MAX_EXTRACTED + 1) }]);
    expect(zip.length).to.be.below(MAX_UPLOAD);
    await refused([{ name: 'a.zip', data: zip }], {}, 400, /larger than the 262144 bytes allowed/);
  });

  it('a corrupt zip is refused', async () => {
    const zip = await calcZip();
    await refused([{ name: 'a.zip', data: zip.subarray(0, zip.length - 30) }], {}, 400, /^Corrupt or unreadable zip file/);
  });

  it('an upload over MAX_UPLOAD_SIZE is refused with 413 (declared length)', async () => {
    await refused([{ name: 'big.csv', data: Buffer.alloc(MAX_UPLOAD + 1, 'a') }, { name: 'job.ini', data: jobIni() }], {}, 413, /larger than the MAX_UPLOAD_SIZE of 65536 bytes/);
  });

  /** Sends files as a stream, without Content-Length: the limits apply while reading. */
  async function streamed(files: UploadFile[]): Promise<Response> {
    const encoded = new Response(uploadForm(files));
    return server.fetch('/v1/calc/run', {
      method: 'POST',
      headers: { 'content-type': encoded.headers.get('content-type') as string },
      body: encoded.body,
      duplex: 'half',
    } as RequestInit);
  }

  for (const [what, files] of [
    ['one file over the limit', [{ name: 'job.ini', data: jobIni() }, { name: 'big.csv', data: Buffer.alloc(MAX_UPLOAD * 4, 'a') }]],
    ['files each under the limit, together over it', [0, 1, 2, 3].map((i) => ({ name: `part${i}.csv`, data: Buffer.alloc(MAX_UPLOAD / 2, 'a') }))],
  ] as [string, UploadFile[]][]) {
    it(`an upload over MAX_UPLOAD_SIZE is refused with 413 when streamed without a length: ${what}`, async () => {
      const before = { jobs: await total(), data: dataState() };
      const res = await streamed(files);
      expect(res.status).to.equal(413);
      expect(((await res.json()) as { traceback: string[] }).traceback[0]).to.match(/larger than the MAX_UPLOAD_SIZE/);
      expect(await total()).to.equal(before.jobs);
      expect(dataState()).to.deep.equal(before.data);
    });
  }

  it('hazard_job_id must name a complete calculation the caller may see', async () => {
    const zip = await calcZip();
    await refused([{ name: 'a.zip', data: zip }], { hazard_job_id: 'abc' }, 400, /Invalid hazard_job_id "abc"/);
    await refused([{ name: 'a.zip', data: zip }], { hazard_job_id: '987654' }, 404, /Unknown hazard_job_id 987654/);
    const failed = await submit(server, { fake_behaviour: 'fail', fake_duration: '0' });
    await waitStatus(server, failed, ['failed']);
    await refused([{ name: 'a.zip', data: zip }], { hazard_job_id: String(failed) }, 400, new RegExp(`hazard calculation ${failed} is failed`));
  });

  it('job_ini must name one of the uploaded .ini files', async () => {
    await refused([{ name: 'a.zip', data: await calcZip() }], { job_ini: 'risk.ini' }, 400, /The job_ini "risk\.ini" is not among the uploaded \.ini files \(job\.ini\)/);
  });

  it('a request that is not multipart is refused', async () => {
    const res = await server.fetch('/v1/calc/run', { method: 'POST', body: 'job.ini', headers: { 'content-type': 'text/plain' } });
    expect(res.status).to.equal(400);
    expect(await res.json()).to.deep.equal({ traceback: ['Expected a multipart/form-data upload'], job_id: null });
  });

  it('plain files are accepted, and job_ini chooses among several .ini files', async () => {
    const res = await runCalc(server, [
      { name: 'job_hazard.ini', data: jobIni({ description: 'Hazard part' }) },
      { name: 'job_risk.ini', data: jobIni({ description: 'Risk part', calculation_mode: 'scenario_risk' }) },
      { name: 'exposure.csv', data: 'id,lon,lat\n' },
    ], { job_ini: 'job_risk.ini' });
    const { job_id: id } = (await res.json()) as { job_id: number };
    expect(res.status).to.equal(200);
    const item = (await getJson<{ description: string; calculation_mode: string }>(server, `/v1/calc/${id}/status`)).body;
    expect(item).to.include({ description: 'Risk part', calculation_mode: 'scenario_risk' });
    expect(readdirSync(`${server.dataDir}/calc_${id}/input`).sort()).to.deep.equal(['exposure.csv', 'job_hazard.ini', 'job_risk.ini']);
    await waitStatus(server, id, ['complete']);
  });
});
