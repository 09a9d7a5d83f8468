/**
 * Disk space (issue 12.7): a per-user quota (USER_QUOTA) of calculation and upload space, and a
 * free-space floor (MIN_FREE_SPACE) below which runs are refused.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { openDatabase } from '../../src/db/connection.js';
import { serverDatabaseUrl } from '../helpers/accounts.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { buildZip, jobIni, postJson, runCalc, submit, uploadForm, waitStatus, type UploadFile } from './support.js';

const KB = 1024;
const QUOTA = 400 * KB;

/** A calculation zip whose inputs take about `size` bytes (stored as they are, or compressed to almost nothing). */
function sizedZip(size: number, params: Record<string, string> = {}, compress = false): Promise<Buffer> {
  return buildZip([{ name: 'job.ini', data: jobIni(params) }, { name: 'data.csv', data: Buffer.alloc(size, 'x'), store: !compress }]);
}

const INSERT_JOB = "INSERT INTO job (description, user_name, calculation_mode, status, is_running, start_time, relevant, job_ini, abort_requested, size_mb) VALUES ('x', ?, 'classical', 'complete', FALSE, '2026-01-01 00:00:00.000 +00:00', TRUE, 'job.ini', FALSE, ?)";

/** Runs one SQL statement on the server's database (SQLite, or PostgreSQL on the second pass). */
async function sql(server: RunningServer, text: string, params: unknown[] = []): Promise<void> {
  const db = await openDatabase(serverDatabaseUrl(server));
  try {
    await db.query(text, { replacements: params });
  } finally {
    await db.close();
  }
}

function leftovers(server: RunningServer): string[] {
  try {
    return readdirSync(join(server.dataDir, 'uploads'));
  } catch {
    return [];
  }
}

async function refusedWith(server: RunningServer, files: UploadFile[], status: number, message: RegExp): Promise<void> {
  const res = await runCalc(server, files);
  const body = (await res.json()) as { traceback: string[]; job_id: null };
  expect(res.status, JSON.stringify(body)).to.equal(status);
  expect(body.job_id).to.equal(null);
  expect(body.traceback.join('\n')).to.match(message);
  expect(leftovers(server)).to.deep.equal([]);
}

describe('POST /v1/calc/run: the per-user disk quota (USER_QUOTA)', function () {
  this.timeout(60_000);
  let server: RunningServer;

  before(async () => {
    server = await startServer({ workers: 1, settings: { USER_QUOTA: QUOTA, MAX_UPLOAD_SIZE: 4 * QUOTA, MAX_EXTRACTED_SIZE: 4 * QUOTA, MAX_CONCURRENT_JOBS: 4 } });
  });

  after(async () => {
    await server?.stop();
  });

  it('a calculation still running counts with its inputs: the next upload that does not fit is refused with 413 and a sentence', async () => {
    const big = (await runCalc(server, [{ name: 'a.zip', data: await sizedZip(300 * KB, { fake_behaviour: 'hang' }) }]));
    const { job_id: id } = (await big.json()) as { job_id: number };
    expect(big.status).to.equal(200);
    // a small zip that unpacks to more than is left: refused once unpacked
    const bomb = await sizedZip(150 * KB, {}, true);
    expect(bomb.length).to.be.below(10 * KB);
    await refusedWith(server, [{ name: 'b.zip', data: bomb }], 413,
      /^This upload \(1\d\d KiB once unpacked\) does not fit in your disk quota: your calculations take 3\d\d KiB of your 400 KiB quota \(USER_QUOTA\); remove some calculations to make room$/);
    // a zip larger than what is left: refused while it is received
    await refusedWith(server, [{ name: 'c.zip', data: await sizedZip(150 * KB) }], 413,
      /^This upload does not fit in your disk quota: your calculations take 3\d\d KiB of your 400 KiB quota \(USER_QUOTA\); remove some calculations to make room$/);
    // small enough for what is left: accepted
    const small = await submit(server, {});
    await waitStatus(server, small, ['complete']);
    await postJson(server, `/v1/calc/${id}/abort`);
    await waitStatus(server, id, ['aborted', 'failed']);
  });

  it('an upload streamed without a length is cut as soon as it passes what is left of the quota', async () => {
    const encoded = new Response(uploadForm([{ name: 'big.csv', data: Buffer.alloc(QUOTA, 'a') }, { name: 'job.ini', data: jobIni() }]));
    const res = await server.fetch('/v1/calc/run', {
      method: 'POST',
      headers: { 'content-type': encoded.headers.get('content-type') as string },
      body: encoded.body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).to.equal(413);
    expect(((await res.json()) as { traceback: string[] }).traceback[0]).to.match(/^This upload does not fit in your disk quota/);
    expect(leftovers(server)).to.deep.equal([]);
  });

  it('removing calculations makes room again', async () => {
    // every calculation of the user so far is removed
    const list = (await (await server.fetch('/v1/calc/list?limit=100')).json()) as { id: number }[];
    for (const c of list) {
      expect((await postJson(server, `/v1/calc/${c.id}/remove`)).status).to.equal(200);
    }
    const id = await submit(server, {});
    await waitStatus(server, id, ['complete']);
    const again = await runCalc(server, [{ name: 'b.zip', data: await sizedZip(150 * KB) }]);
    expect(again.status, await again.text()).to.equal(200);
  });

  it('is per user: another user\'s calculations do not count', async () => {
    await sql(server, INSERT_JOB, ['someone-else', 1000]);
    const id = await submit(server, {});
    await waitStatus(server, id, ['complete']);
  });

  it('a user whose calculations fill the quota is refused before the upload is read', async () => {
    const [mine] = (await (await server.fetch('/v1/calc/list?limit=1')).json()) as { owner: string }[];
    await sql(server, INSERT_JOB, [mine.owner, 1]);
    await refusedWith(server, [{ name: 'tiny.zip', data: await sizedZip(10) }], 413, /^This upload does not fit in your disk quota: your calculations take 1\.\d MiB of your 400 KiB quota/);
  });
});

describe('POST /v1/calc/run: the free-space floor (MIN_FREE_SPACE)', function () {
  this.timeout(60_000);
  let server: RunningServer;

  before(async () => {
    // more free space than any disk has: every run is refused
    server = await startServer({ workers: 1, settings: { MIN_FREE_SPACE: 2 ** 52 } });
  });

  after(async () => {
    await server?.stop();
  });

  it('below the floor, a run is refused with 507 and a sentence, and leaves nothing', async () => {
    await refusedWith(server, [{ name: 'a.zip', data: await sizedZip(10) }], 507,
      /^The server is short of disk space: .* free where calculations are stored, below the 4096 TiB it keeps free \(MIN_FREE_SPACE\); no new calculation can be run until space is freed$/);
    const list = (await (await server.fetch('/v1/calc/list')).json()) as unknown[];
    expect(list).to.deep.equal([]);
  });
});
