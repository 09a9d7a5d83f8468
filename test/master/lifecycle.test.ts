import { chmodSync, existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { freePort, startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.js';
import { alive, deadPid } from '../helpers/processes.js';

describe('master: pidfile, parent death, the production command line', function () {
  const servers: RunningServer[] = [];

  afterEach(async function () {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  it('refuses to start when the pidfile names a live process, and leaves that file alone', async function () {
    const dir = tempDir();
    const pidfile = join(dir, 'oq-webui.pid');
    writeFileSync(pidfile, `${process.pid}\n`);
    const s = await startServer({ dir, waitReady: 0 });
    servers.push(s);
    const exit = await s.exited;
    expect(exit.code).to.equal(1);
    expect(s.output()).to.include(`Already running on PID ${process.pid} (or pid file '${pidfile}' is stale)`);
    expect(readFileSync(pidfile, 'utf8').trim()).to.equal(String(process.pid));
    expect(s.output()).not.to.include('Booting worker');
  });

  it('replaces a stale pidfile (the pid of a process that has exited)', async function () {
    const dir = tempDir();
    const pidfile = join(dir, 'oq-webui.pid');
    writeFileSync(pidfile, `${await deadPid()}\n`);
    const s = await startServer({ dir, workers: 1 });
    servers.push(s);
    expect(readFileSync(pidfile, 'utf8').trim()).to.equal(String(s.proc.pid));
    s.signal('SIGTERM');
    expect((await s.exited).code).to.equal(0);
    expect(existsSync(pidfile)).to.equal(false);
  });

  it('does not remove at exit a pidfile that no longer holds its pid', async function () {
    const s = await startServer({ workers: 1 });
    servers.push(s);
    writeFileSync(s.pidfile, '4194304\n');
    s.signal('SIGTERM');
    expect((await s.exited).code).to.equal(0);
    expect(readFileSync(s.pidfile, 'utf8')).to.equal('4194304\n');
  });

  it('has its workers, job runner and engine bridge exit when the master is SIGKILLed (no orphans)', async function () {
    const s = await startServer({ workers: 2 });
    servers.push(s);
    const children = (await s.status()).children as { kind: string; pid: number }[];
    expect(children.map((c) => c.kind).sort()).to.deep.equal(['bridge', 'runner', 'web', 'web']);
    s.signal('SIGKILL');
    await s.exited;
    // they notice the closed IPC channel and leave (a worker allows its requests a second)
    await waitFor(() => children.every((c) => !alive(c.pid)), 15_000, 'the children to exit');
  });

  it('leaves no engine command behind when the master is SIGKILLed while the runner upgrades the engine\'s database', async function () {
    const dir = tempDir();
    // an engine whose every command takes a minute: the runner's --upgrade-db is still running when the master dies
    const slowOq = join(dir, 'slow-oq');
    writeFileSync(slowOq, '#!/bin/sh\nexec sleep 60\n');
    chmodSync(slowOq, 0o755);
    const s = await startServer({ dir, workers: 1, settings: { ENGINE_COMMAND: [slowOq, 'engine', '--run', '{job_ini}'] } });
    servers.push(s);
    const inDir = (): number[] => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).filter((pid) => {
      try {
        return pid !== s.proc.pid && readlinkSync(`/proc/${pid}/cwd`).startsWith(dir);
      } catch {
        return false;
      }
    });
    await waitFor(() => inDir().length > 0, 15_000, 'the engine database upgrade to start');
    s.signal('SIGKILL');
    await s.exited;
    await waitFor(() => inDir().length === 0, 15_000, `no process working in ${dir}`);
  });

  it('runs the seed\'s production line as written: oq-webui start --bind 127.0.0.1:PORT --workers 4 --timeout 1200', async function () {
    const port = await freePort();
    const s = await startServer({ viaEnv: true, port, workers: 4, env: { WEB_CONCURRENCY: '1' }, args: ['--bind', `127.0.0.1:${port}`, '--workers', '4', '--timeout', '1200'] });
    servers.push(s);
    expect(s.proc.spawnargs.slice(-7)).to.deep.equal(['start', '--bind', `127.0.0.1:${port}`, '--workers', '4', '--timeout', '1200']);
    expect(await s.readyWorkers()).to.have.length(4);
    expect((await s.fetch('/v1/engine_version')).status).to.equal(200);
  });

  it('starts as many workers as $WEB_CONCURRENCY says when --workers is not given', async function () {
    const s = await startServer({ viaEnv: true, workers: 3 });
    servers.push(s);
    expect(s.proc.spawnargs).not.to.include('--workers');
    expect(await s.readyWorkers()).to.have.length(3);
    expect((await s.status()).master.workers).to.equal(3);
  });
});
