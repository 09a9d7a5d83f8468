import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import { freePort, startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.js';
import { getOverUnixSocket } from './support.js';

/** A listening TCP socket made here, to hand to the server as an inherited file descriptor. */
async function listeningSocket(): Promise<{ server: net.Server; port: number; fd: number }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // The raw handle's fd is what a service manager would pass; not in @types/node.
  const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
  return { server, port: (server.address() as net.AddressInfo).port, fd };
}

describe('master: where it listens', function () {
  const servers: RunningServer[] = [];

  afterEach(async function () {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  it('serves on HOST:PORT and logs the address it listens at', async function () {
    const s = await startServer({ workers: 1 });
    servers.push(s);
    const res = await s.fetch('/v1/engine_version');
    expect(res.status).to.equal(200);
    expect(await res.text()).to.be.a('string').and.not.equal('');
    expect(s.output()).to.include(`Listening at: http://127.0.0.1:${s.port} (${s.proc.pid})`);
  });

  it('serves on an IPv6 address given as [::1]:PORT', async function () {
    const port = await freePort();
    const s = await startServer({ workers: 1, bind: [`[::1]:${port}`] });
    servers.push(s);
    const res = await fetch(`http://[::1]:${port}/v1/engine_version`);
    expect(res.status).to.equal(200);
    expect(s.output()).to.include(`Listening at: http://[::1]:${port}`);
  });

  it('serves on a unix socket given as unix:PATH, and removes it at exit', async function () {
    const dir = tempDir();
    const path = join(dir, 'web.sock');
    const s = await startServer({ workers: 2, bind: [`unix:${path}`], dir });
    servers.push(s);
    const res = await getOverUnixSocket(path, '/v1/engine_version');
    expect(res.status).to.equal(200);
    expect(s.output()).to.include(`Listening at: unix:${path}`);
    s.signal('SIGTERM');
    expect((await s.exited).code).to.equal(0);
    expect(existsSync(path), 'socket file removed').to.equal(false);
  });

  it('serves on several addresses at once', async function () {
    const dir = tempDir();
    const path = join(dir, 'web.sock');
    const port = await freePort();
    const s = await startServer({ workers: 1, port, bind: [`127.0.0.1:${port}`, `unix:${path}`], dir });
    servers.push(s);
    expect((await s.fetch('/v1/engine_version')).status).to.equal(200);
    expect((await getOverUnixSocket(path, '/v1/engine_version')).status).to.equal(200);
  });

  it('serves on an inherited listening socket given as fd://3', async function () {
    const { server, port, fd } = await listeningSocket();
    let s: RunningServer;
    try {
      s = await startServer({ workers: 2, port, bind: ['fd://3'], fds: [fd] });
    } finally {
      // our copy must not accept: from now on only the oq-webui workers hold the socket
      server.close();
    }
    servers.push(s);
    const res = await fetch(`http://127.0.0.1:${port}/v1/engine_version`);
    expect(res.status).to.equal(200);
    expect(s.output()).to.include('Listening at: fd://3');
  });

  it('adopts the sockets systemd passes (LISTEN_FDS, LISTEN_PID) instead of binding', async function () {
    const { server, port, fd } = await listeningSocket();
    const unused = await freePort();
    let s: RunningServer;
    try {
      s = await startServer({ workers: 1, port, bind: [`127.0.0.1:${unused}`], fds: [fd], systemdFds: true });
    } finally {
      server.close();
    }
    servers.push(s);
    expect((await fetch(`http://127.0.0.1:${port}/v1/engine_version`)).status).to.equal(200);
    expect(s.output()).to.include('Listening at: fd://3');
    expect(s.output()).not.to.include(`:${unused}`);
  });

  it('ignores LISTEN_FDS meant for another process and binds its own address', async function () {
    const { server, fd } = await listeningSocket();
    let s: RunningServer;
    try {
      s = await startServer({ workers: 1, fds: [fd], env: { LISTEN_FDS: '1', LISTEN_PID: '1' } });
    } finally {
      server.close();
    }
    servers.push(s);
    expect((await s.fetch('/v1/engine_version')).status).to.equal(200);
    expect(s.output()).to.include(`Listening at: http://127.0.0.1:${s.port}`);
  });

  it('exits non-zero within a few seconds with a clear error when the port is busy', async function () {
    const busy = net.createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => busy.listen(port, '127.0.0.1', resolve));
    try {
      const s = await startServer({ workers: 2, port, waitReady: 0 });
      servers.push(s);
      const exit = await waitFor(() => Promise.race([s.exited, new Promise<null>((r) => setTimeout(() => r(null), 100))]), 5000, 'the master to exit');
      expect(exit?.code).to.equal(1);
      expect(s.output()).to.include(`Connection in use: 127.0.0.1:${port}`);
      expect(s.output()).not.to.include('Booting worker');
    } finally {
      busy.close();
    }
  });
});
