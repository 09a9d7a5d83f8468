import net from 'node:net';
import { expect } from 'chai';
import { sleep, startServer, waitFor, type RunningServer } from '../helpers/server.js';
import { rawExchange } from '../master/support.js';

/** The status code of a raw HTTP answer. */
function statusOf(answer: string): number {
  return Number(/^HTTP\/1\.1 (\d{3}) /.exec(answer)?.[1] ?? 0);
}

/** A request whose line is exactly `length` bytes (method, URL and version, without CRLF). */
function requestWithLine(length: number): string {
  const fixed = 'GET /v1/engine_version?q= HTTP/1.1'.length;
  return `GET /v1/engine_version?q=${'a'.repeat(length - fixed)} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`;
}

/** A request with `count` header fields in all (Host and Connection included). */
function requestWithFields(count: number): string {
  const extra = Array.from({ length: count - 2 }, (_, i) => `X-Field-${i}: ${i}\r\n`).join('');
  return `GET /v1/engine_version HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n${extra}\r\n`;
}

/** A request with one header line (`Name: value`) of exactly `size` bytes. */
function requestWithFieldSize(size: number): string {
  const name = 'X-Big';
  return `GET /v1/engine_version HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n${name}: ${'b'.repeat(size - name.length - 2)}\r\n\r\n`;
}

describe('worker: request limits (gunicorn\'s defaults)', function () {
  let server: RunningServer;
  let workers: number[];

  before(async function () {
    server = await startServer({ workers: 1 });
    workers = await server.readyWorkers();
  });

  after(async function () {
    await server?.stop();
  });

  afterEach(async function () {
    // the worker survived whatever the test sent
    expect(await server.readyWorkers()).to.deep.equal(workers);
    expect((await server.fetch('/v1/engine_version')).status).to.equal(200);
  });

  const target = (): { port: number } => ({ port: server.port });

  it('accepts a request line of 4094 bytes and answers 414 to one of 4095', async function () {
    expect(statusOf(await rawExchange(target(), requestWithLine(4094)))).to.equal(200);
    const answer = await rawExchange(target(), requestWithLine(4095));
    expect(statusOf(answer)).to.equal(414);
    expect(answer).to.include('Request line too long');
  });

  it('answers a 4xx, not a crash, to a request line of a megabyte', async function () {
    const status = statusOf(await rawExchange(target(), requestWithLine(1024 * 1024)));
    expect(status).to.be.within(400, 499);
  });

  it('accepts 100 header fields and answers 431 to 101', async function () {
    expect(statusOf(await rawExchange(target(), requestWithFields(100)))).to.equal(200);
    const answer = await rawExchange(target(), requestWithFields(101));
    expect(statusOf(answer)).to.equal(431);
    expect(answer).to.include('Too many header fields');
  });

  it('answers 431 to thousands of header fields', async function () {
    expect(statusOf(await rawExchange(target(), requestWithFields(5000)))).to.equal(431);
  });

  it('accepts a header line of 8190 bytes and answers 431 to one of 8191', async function () {
    expect(statusOf(await rawExchange(target(), requestWithFieldSize(8190)))).to.equal(200);
    const answer = await rawExchange(target(), requestWithFieldSize(8191));
    expect(statusOf(answer)).to.equal(431);
    expect(answer).to.include('Header field X-Big too long');
  });

  it('answers 400 to garbage', async function () {
    expect(statusOf(await rawExchange(target(), 'HELLO THERE\r\n\r\n'))).to.equal(400);
  });
});

describe('worker: keep-alive timeout', function () {
  let server: RunningServer;

  before(async function () {
    server = await startServer({ workers: 1, args: ['--keep-alive', '1'] });
  });

  after(async function () {
    await server?.stop();
  });

  it('keeps a connection open for the next request, then closes it once idle past --keep-alive', async function () {
    const sock = net.connect(server.port, '127.0.0.1');
    let buf = '';
    sock.on('data', (d) => { buf += d.toString(); });
    const closed = new Promise<number>((resolve) => sock.on('close', () => resolve(Date.now())));
    await new Promise<void>((resolve) => sock.on('connect', () => resolve()));
    const request = 'GET /v1/engine_version HTTP/1.1\r\nHost: localhost\r\n\r\n';
    let closedEarly = false;
    void closed.then(() => { closedEarly = true; });
    const answers = () => (buf.match(/HTTP\/1\.1 200 OK/g) ?? []).length;
    sock.write(request);
    await waitFor(() => answers() === 1, 10_000, 'the first answer');
    expect(buf).to.match(/^HTTP\/1\.1 200 OK\r\n/);
    expect(buf).to.match(/\r\nkeep-alive: timeout=1\r\n/i);
    // the same connection serves a second request: it was kept open
    sock.write(request);
    await waitFor(() => answers() === 2 || closedEarly, 10_000, 'the second answer');
    expect(closedEarly, 'the connection was closed before the second request').to.equal(false);
    expect(answers()).to.equal(2);
    // then, idle, it is closed by the server (bounded by 10x the --keep-alive of 1 s)
    const closedAt = await Promise.race([closed, sleep(10_000).then(() => 0)]);
    expect(closedAt, 'the server closed the idle connection').to.be.greaterThan(0);
  });
});
