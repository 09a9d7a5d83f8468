/**
 * Uploads that never arrive in full (issue 12.3): a client that closes or resets its connection
 * in the middle of the body, sends a malformed chunk, or trickles its body. Real sockets.
 */
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import { sleep, startServer, waitFor, type RunningServer } from '../helpers/server.js';
import { buildZip, getJson, jobIni, runCalc } from './support.js';

const BODY_TIMEOUT = 1;
const BOUNDARY = 'oqAbortedBoundary';

describe('POST /v1/calc/run: uploads cut off in the middle', function () {
  this.timeout(60_000);
  let server: RunningServer;

  before(async () => {
    server = await startServer({ workers: 1, settings: { BODY_TIMEOUT } });
  });

  after(async () => {
    await server?.stop();
  });

  function uploads(): string[] {
    try {
      return readdirSync(join(server.dataDir, 'uploads'));
    } catch {
      return [];
    }
  }

  function accessLines(tag: string): string[] {
    try {
      return readFileSync(join(server.logDir, 'access.log'), 'utf8').split('\n').filter((l) => l.includes(tag));
    } catch {
      return [];
    }
  }

  /** Headers and the start of a multipart body announcing `length` bytes (or chunked). */
  function head(tag: string, length: number | 'chunked'): string {
    const framing = length === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${length}`;
    return `POST /v1/calc/run?${tag} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\n${framing}\r\n\r\n`;
  }

  const partStart = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="archive"; filename="calc.zip"\r\nContent-Type: application/zip\r\n\r\nPK\x03\x04 some bytes of the archive`;

  /** Opens a connection, sends `text`, waits until the server has created the upload folder. */
  async function startUpload(text: string): Promise<net.Socket> {
    const before = uploads().length;
    const sock = net.connect(server.port, '127.0.0.1');
    sock.on('error', () => undefined);
    await new Promise((r) => sock.once('connect', r));
    sock.write(text);
    await waitFor(() => uploads().length > before, 10_000, 'the upload folder');
    return sock;
  }

  async function expectCleanedAndLogged(tag: string): Promise<string> {
    await waitFor(() => uploads().length === 0, 10_000, 'no upload folder left');
    const line = await waitFor(() => accessLines(tag)[0], 10_000, 'the access-log line');
    expect(accessLines(tag)).to.have.length(1);
    return line;
  }

  it('a client closing its connection in the middle of the body leaves no folder, and the request is logged', async () => {
    const sock = await startUpload(head('closed', 100_000) + partStart);
    sock.destroy();
    const line = await expectCleanedAndLogged('?closed');
    // a FIN: the client may still read the answer (400, the upload was interrupted), or it was gone first (499)
    expect(line, line).to.match(/"POST \/v1\/calc\/run\?closed HTTP\/1\.1" (400|499) /);
  });

  it('a client resetting its connection (RST) in the middle of the body leaves no folder, and the request is logged', async () => {
    const sock = await startUpload(head('reset', 100_000) + partStart);
    sock.resetAndDestroy();
    const line = await expectCleanedAndLogged('?reset');
    expect(line, line).to.match(/"POST \/v1\/calc\/run\?reset HTTP\/1\.1" 499 - /);
  });

  it('clients resetting at once after a few body bytes (before the route reads anything): no folder left, every request logged', async () => {
    const n = 20;
    await Promise.all(Array.from({ length: n }, async (_, i) => {
      const sock = net.connect(server.port, '127.0.0.1');
      sock.on('error', () => undefined);
      await new Promise((r) => sock.once('connect', r));
      sock.write(head(`burst${i}x`, 100_000) + partStart, () => (i % 2 === 0 ? sock.resetAndDestroy() : sock.destroy()));
    }));
    await waitFor(() => Array.from({ length: n }, (_, i) => accessLines(`?burst${i}x`).length).every((c) => c === 1), 10_000, `${n} access-log lines`);
    await waitFor(() => uploads().length === 0, 10_000, 'no upload folder left');
  });

  it('a malformed chunk in a chunked body ends the request, leaves no folder, and is logged', async () => {
    const first = partStart;
    const sock = await startUpload(`${head('badchunk', 'chunked')}${first.length.toString(16)}\r\n${first}\r\n`);
    const answer = new Promise<string>((resolve) => {
      let got = '';
      sock.on('data', (d: Buffer) => { got += d.toString(); });
      sock.on('close', () => resolve(got));
    });
    sock.write('zz-not-hex\r\nxx\r\n');
    await expectCleanedAndLogged('?badchunk');
    sock.destroy();
    await answer;
  });

  it(`a body trickled slower than BODY_TIMEOUT (${BODY_TIMEOUT} s) is cut with 408, leaving no folder, and is logged`, async () => {
    const started = Date.now();
    const sock = await startUpload(head('slow', 100_000) + partStart);
    let got = '';
    let closed = false;
    sock.on('data', (d: Buffer) => { got += d.toString(); });
    sock.on('close', () => { closed = true; });
    // one byte every 100 ms: the connection stays busy, the body never ends
    const limit = BODY_TIMEOUT * 1000 * 10;
    while (!closed && Date.now() - started < limit) {
      if (!sock.destroyed) {
        sock.write('a');
      }
      await sleep(100);
    }
    expect(closed, `still open after ${limit} ms`).to.equal(true);
    expect(got).to.match(/^HTTP\/1\.1 408 /);
    const line = await expectCleanedAndLogged('?slow');
    expect(line).to.match(/" 408 \d+ /);
  });

  it('a body arriving steadily is not cut even when it takes longer than BODY_TIMEOUT', async () => {
    const zip = await buildZip([{ name: 'job.ini', data: jobIni() }, { name: 'data.csv', data: Buffer.alloc(300_000, 'x'), store: true }]);
    const form = new FormData();
    form.append('archive', new Blob([zip]), 'calc.zip');
    const encoded = new Response(form);
    const type = encoded.headers.get('content-type') as string;
    const body = Buffer.from(await encoded.arrayBuffer());
    // ~1.5 × BODY_TIMEOUT at a steady pace well above the minimal rate
    const pieces = 15;
    const size = Math.ceil(body.length / pieces);
    const sock = net.connect(server.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    let got = '';
    sock.on('data', (d: Buffer) => { got += d.toString(); });
    const closed = new Promise((r) => sock.on('close', r));
    sock.write(`POST /v1/calc/run?steady HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n`);
    for (let i = 0; i < pieces; i += 1) {
      sock.write(body.subarray(i * size, (i + 1) * size));
      await sleep((BODY_TIMEOUT * 1500) / pieces);
    }
    await closed;
    expect(got, got).to.match(/^HTTP\/1\.1 200 /);
    const id = (JSON.parse(got.slice(got.indexOf('\r\n\r\n') + 4)) as { job_id: number }).job_id;
    expect((await getJson<{ status: string }>(server, `/v1/calc/${id}`)).status).to.equal(200);
  });

  it('the worker still serves uploads afterwards', async () => {
    const res = await runCalc(server, [{ name: 'calc.zip', data: await buildZip([{ name: 'job.ini', data: jobIni() }]) }]);
    expect(res.status).to.equal(200);
    expect(uploads()).to.deep.equal([]);
  });
});
