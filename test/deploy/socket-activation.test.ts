import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { expect } from 'chai';
import { readPid } from '../../master/pidfile.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { BIN, FAKE_OQ, freePort, sleep, tempDir, waitFor } from '../helpers/server.js';

/** One GET on a fresh connection (no keep-alive): its status, or the error's code (ECONNREFUSED...). */
function getOnce(port: number, path: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.setTimeout(60_000, () => req.destroy(new Error('timeout')));
  });
}

/** The inode of the socket listening on 127.0.0.1:port, from /proc/net/tcp. */
function listeningInode(port: number): string | null {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // local_address 0100007F:PORT, state 0A = LISTEN, inode in column 10
    if (f[1] === `0100007F:${hexPort}` && f[3] === '0A') {
      return f[9];
    }
  }
  return null;
}

interface Activated {
  proc: ChildProcess;
  dir: string;
  pidfile: string;
  output(): string;
  /** Stops the master for good (the stand-in for systemd does not start it again). */
  stop(): Promise<void>;
}

/**
 * `systemd-socket-activate -l 127.0.0.1:PORT` holding the socket as systemd's oq-webui.socket does,
 * running the service's command; with `restarting`, a small loop stands in for systemd restarting
 * the service: each time the master exits it starts a new one on the same, still open, socket.
 */
function activate(port: number, otherPort: number, restarting: boolean): Activated {
  const dir = tempDir('oq-webui-socket-');
  const pidfile = join(dir, 'oq-webui.pid');
  const config = join(dir, 'local_settings.json');
  writeFileSync(config, JSON.stringify({ ENGINE_COMMAND: [FAKE_OQ, 'engine', '--run', '{job_ini}', '--exports', 'csv', '-p', 'export_dir={export_dir}'] }));
  const service = [process.execPath, BIN, 'start', '--bind', `127.0.0.1:${otherPort}`, '--workers', '2', '--pid', pidfile,
    '--log-dir', join(dir, 'logs'), '--data-dir', join(dir, 'data'), '--config', config];
  const loop = join(dir, 'restart-loop.sh');
  // LISTEN_PID names the process that gets the socket: the `exec` keeps the inner shell's pid
  writeFileSync(loop, [
    '#!/bin/sh',
    `while [ ! -e '${dir}/stop' ]; do`,
    '  sh -c \'export LISTEN_PID=$$; exec "$@"\' sh "$@"',
    'done',
    '',
  ].join('\n'), { mode: 0o755 });
  const command = restarting ? ['sh', loop, ...service] : service;
  const proc = spawn('systemd-socket-activate', ['-l', `127.0.0.1:${port}`, '-E', 'PATH', '--', ...command], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  return {
    proc, dir, pidfile,
    output: () => out,
    async stop() {
      writeFileSync(join(dir, 'stop'), '');
      const pid = readPid(pidfile);
      if (pid !== null) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // gone already
        }
      }
      if (proc.exitCode === null && proc.signalCode === null) {
        await Promise.race([exited, sleep(30_000)]);
        proc.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('socket activation (systemd/oq-webui.socket, LISTEN_FDS)', function () {
  this.timeout(120_000);
  let running: Activated | null = null;

  afterEach(async function () {
    await running?.stop();
    running = null;
  });

  it('serves the socket systemd passes, not --bind, including the connection that started it', async function () {
    const port = await freePort();
    const otherPort = await freePort();
    running = activate(port, otherPort, false);
    await waitFor(() => /Listening on 127\.0\.0\.1/.test(running?.output() ?? ''), 10_000, 'systemd-socket-activate listening');
    const inode = listeningInode(port);
    expect(inode).to.not.equal(null);
    // the first connection makes systemd-socket-activate exec the server; it waits in the queue until a worker accepts
    expect(await getOnce(port, '/v1/engine_version')).to.equal(200);
    const master = await waitFor(() => readPid(running?.pidfile ?? ''), 10_000, 'pidfile');
    expect(readlinkSync(`/proc/${master}/fd/3`)).to.equal(`socket:[${inode}]`);
    await waitFor(() => /Listening at: fd:\/\/3/.test(running?.output() ?? ''), 10_000, 'the master log line');
    expect(running.output()).to.not.contain(`Listening at: http://127.0.0.1:${otherPort}`);
    expect(await getOnce(otherPort, '/v1/engine_version')).to.equal('ECONNREFUSED');
    expect(listeningInode(port)).to.equal(inode);
  });

  it('refuses no connection made while the server is fully restarted on the socket systemd holds', async function () {
    const port = await freePort();
    const otherPort = await freePort();
    running = activate(port, otherPort, true);
    const r = running;
    await waitFor(() => /Listening on 127\.0\.0\.1/.test(r.output()), 10_000, 'systemd-socket-activate listening');
    expect(await getOnce(port, '/v1/engine_version')).to.equal(200);
    const first = await waitFor(() => readPid(r.pidfile), 10_000, 'first pidfile') as number;

    // a new connection every 25 ms, whether or not the earlier ones were answered
    const results: Promise<{ status: number | string; startedAt: number }>[] = [];
    const ticker = setInterval(() => {
      if (results.length < 4000) {
        const startedAt = Date.now();
        results.push(getOnce(port, '/v1/engine_version').then((status) => ({ status, startedAt })));
      }
    }, 25);
    let done: { status: number | string; startedAt: number }[] = [];
    try {
      await sleep(500);
      process.kill(first, 'SIGTERM');
      await waitFor(() => !existsSync(`/proc/${first}`), 60_000, 'the old master to exit');
      const goneAt = Date.now();
      const second = await waitFor(() => { const p = readPid(r.pidfile); return p !== null && p !== first ? p : null; }, 30_000, 'the new master');
      // its workers are forked only after this line: nothing accepts on the socket before it
      await waitFor(() => (r.output().split(`(${first})`).at(-1) ?? '').includes(`Listening at: fd://3 (${second})`), 30_000, 'the new master adopting fd 3');
      const adoptedAt = Date.now();
      await sleep(1000);
      clearInterval(ticker);
      done = await Promise.all(results);
      const failed = done.filter((x) => x.status !== 200);
      expect(failed, JSON.stringify(failed.slice(0, 5))).to.deep.equal([]);
      // some were made while no master was running, or before the new one could accept
      const during = done.filter((x) => x.startedAt >= goneAt && x.startedAt < adoptedAt);
      expect(during.length).to.be.greaterThan(0);
      expect(second).to.not.equal(first);
      console.log(`      ${done.length} requests, ${failed.length} failed, ${during.length} made while no master accepted (master ${first} -> ${second})`);
    } finally {
      clearInterval(ticker);
    }
  });
});
