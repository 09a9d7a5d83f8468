import { existsSync, readFileSync, renameSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import { sleep, startServer, waitFor, type RunningServer } from '../helpers/server.js';
import { alive } from '../helpers/processes.js';
import { runCli } from './support.js';

/** Opens a raw connection and sends the first part of a request (its headers unfinished). */
async function halfRequest(port: number): Promise<{ sock: net.Socket; received: () => string; closed: Promise<void> }> {
  const sock = net.connect(port, '127.0.0.1');
  let buf = '';
  sock.on('data', (d) => { buf += d.toString(); });
  sock.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => sock.on('close', () => resolve()));
  await new Promise<void>((resolve) => sock.on('connect', () => resolve()));
  sock.write('GET /v1/engine_version HTTP/1.1\r\nHost: localhost\r\nUser-Agent: slow-client\r\n');
  return { sock, received: () => buf, closed };
}

/** Whether a TCP connection to the port is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => { s.destroy(); resolve(false); });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

/** The rows `oq-webui status` prints for HTTP workers in the ready state. */
async function readyRows(s: RunningServer): Promise<string[]> {
  const r = await runCli(['status', '-p', s.pidfile]);
  expect(r.code, r.stderr).to.equal(0);
  return r.stdout.split('\n').filter((l) => /^web\s.*\sready$/.test(l));
}

describe('master: signals', function () {
  const servers: RunningServer[] = [];

  afterEach(async function () {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  it('TERM: stops accepting, exits 0, removes the pidfile and logs "Shutting down: Master"', async function () {
    const s = await startServer({ workers: 2 });
    servers.push(s);
    const workers = await s.readyWorkers();
    expect(existsSync(s.pidfile)).to.equal(true);
    s.signal('SIGTERM');
    const exit = await s.exited;
    expect(exit.code).to.equal(0);
    expect(existsSync(s.pidfile)).to.equal(false);
    expect(existsSync(s.controlSocket)).to.equal(false);
    expect(s.output()).to.include('[INFO] Handling signal: term');
    expect(s.output()).to.include('[INFO] Shutting down: Master');
    expect(await refused(s.port)).to.equal(true);
    for (const pid of workers) {
      expect(alive(pid), `worker ${pid}`).to.equal(false);
    }
  });

  it('TERM: a request still arriving is answered in full before the worker leaves', async function () {
    const s = await startServer({ workers: 1 });
    servers.push(s);
    const slow = await halfRequest(s.port);
    await sleep(200);
    s.signal('SIGTERM');
    await s.waitForOutput(/Handling signal: term/);
    await sleep(200);
    // new connections are refused while the slow one is still served
    expect(await refused(s.port)).to.equal(true);
    slow.sock.write('\r\n');
    await slow.closed;
    const answer = slow.received();
    expect(answer).to.match(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer).to.match(/\r\nconnection: close\r\n/i);
    const length = Number(/\r\ncontent-length: (\d+)\r\n/i.exec(answer)?.[1]);
    expect(answer.split('\r\n\r\n')[1]).to.have.length(length);
    expect((await s.exited).code).to.equal(0);
  });

  it('TERM: a request that outlives the graceful timeout is cut, and the master still exits 0', async function () {
    const s = await startServer({ workers: 1, args: ['--graceful-timeout', '1'] });
    servers.push(s);
    const [worker] = await s.readyWorkers();
    const slow = await halfRequest(s.port);
    await sleep(200);
    s.signal('SIGTERM');
    await slow.closed;
    expect((await s.exited).code).to.equal(0);
    expect(s.output()).to.include(`Worker (pid:${worker}) still running after the graceful timeout; killing it`);
    expect(existsSync(s.pidfile)).to.equal(false);
  });

  for (const sig of ['SIGINT', 'SIGQUIT'] as const) {
    it(`${sig.slice(3)}: quick stop, exit 0, pidfile removed, in-flight requests not waited for`, async function () {
      const s = await startServer({ workers: 2, args: ['--graceful-timeout', '30'] });
      servers.push(s);
      const workers = await s.readyWorkers();
      const slow = await halfRequest(s.port);
      await sleep(200);
      s.signal(sig);
      const exit = await waitFor(() => Promise.race([s.exited, sleep(100).then(() => null)]), 10_000, 'the master to exit');
      expect(exit?.code).to.equal(0);
      await slow.closed;
      expect(slow.received()).to.equal('');
      expect(existsSync(s.pidfile)).to.equal(false);
      expect(s.output()).to.include(`Handling signal: ${sig.slice(3).toLowerCase()}`);
      for (const pid of workers) {
        expect(alive(pid)).to.equal(false);
      }
    });
  }

  it('TTIN / TTOU: one worker more, one fewer, never below one (seen by oq-webui status)', async function () {
    const s = await startServer({ workers: 2 });
    servers.push(s);
    s.signal('SIGTTIN');
    await waitFor(async () => (await readyRows(s)).length === 3, 15_000, '3 workers');
    expect(s.output()).to.include('Number of workers raised to 3');
    for (const n of [2, 1]) {
      s.signal('SIGTTOU');
      await waitFor(async () => (await readyRows(s)).length === n && (await s.status()).children.length === n + 2 /* the runner and the bridge */, 15_000, `${n} worker(s)`);
    }
    s.signal('SIGTTOU');
    await s.waitForOutput(/Number of workers lowered to 1[^\n]*\n(?:.*\n)*.*Number of workers lowered to 1/);
    await sleep(500);
    expect(await readyRows(s)).to.have.length(1);
    expect((await s.status()).master.workers).to.equal(1);
    expect((await s.fetch('/v1/engine_version')).status).to.equal(200);
  });

  it('USR1: reopens the access log after it was moved away (logrotate)', async function () {
    const s = await startServer({ workers: 2 });
    servers.push(s);
    const log = join(s.logDir, 'access.log');
    await (await s.fetch('/v1/engine_version?before')).text();
    await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').includes('?before'), 5000, 'the first line');
    renameSync(log, `${log}.1`);
    s.signal('SIGUSR1');
    await s.waitForOutput(/Handling signal: usr1/);
    await waitFor(() => existsSync(log), 5000, 'a new access.log');
    await (await s.fetch('/v1/engine_version?after')).text();
    await waitFor(() => readFileSync(log, 'utf8').includes('?after'), 5000, 'the line in the new file');
    expect(readFileSync(log, 'utf8')).not.to.include('?before');
    expect(readFileSync(`${log}.1`, 'utf8')).not.to.include('?after');
    expect(alive(s.proc.pid as number)).to.equal(true);
  });
});
