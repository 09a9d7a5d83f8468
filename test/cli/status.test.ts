import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { BIN, FAKE_OQ, freePort, startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.js';
import { deadPid } from '../helpers/processes.js';
import { runCli, type CliRun } from '../master/support.js';

describe('oq-webui status', function () {
  let server: RunningServer;
  let dir: string;

  before(async function () {
    server = await startServer({ workers: 2 });
    dir = tempDir();
  });

  after(async function () {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints one row per worker: pid, age, requests, heartbeat age, memory, state', async function () {
    for (let i = 0; i < 6; i += 1) {
      await (await server.fetch('/v1/engine_version')).text();
    }
    const workers = (await server.readyWorkers()).sort();
    // requests reach the master with the next heartbeat
    await waitFor(async () => ((await server.status()).children as { requests: number }[]).reduce((n, c) => n + c.requests, 0) === 6, 10_000, 'the counts');
    const r = await runCli(['status', '-p', server.pidfile]);
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).to.match(new RegExp(`^master pid ${server.proc.pid}, oq-webui \\S+, up \\d+ s, 2 worker\\(s\\) wanted$`));
    expect(lines[1].split(/\s+/)).to.deep.equal(['KIND', 'PID', 'AGE(s)', 'REQUESTS', 'HEARTBEAT(s)', 'MEMORY', 'STATE']);
    const rows = lines.slice(2).map((l) => l.trim().split(/\s+/)).filter((c) => c[0] === 'web');
    expect(rows.map((c) => Number(c[1])).sort()).to.deep.equal(workers);
    let served = 0;
    for (const [, , age, requests, heartbeat, memory, state] of rows) {
      expect(Number(age)).to.be.greaterThan(0);
      served += Number(requests);
      expect(Number(heartbeat)).to.be.within(0, 2);
      expect(memory).to.match(/^\d+\.\dM$/);
      expect(Number(memory.slice(0, -1))).to.be.greaterThan(10);
      expect(state).to.equal('ready');
    }
    expect(served).to.equal(6);
  });

  it('answers as JSON with --json', async function () {
    const r = await runCli(['status', '-p', server.pidfile, '--json']);
    expect(r.code).to.equal(0);
    const reply = JSON.parse(r.stdout) as { master: { pid: number }; children: { kind: string }[] };
    expect(reply.master.pid).to.equal(server.proc.pid);
    expect(reply.children.filter((c) => c.kind === 'web')).to.have.length(2);
  });

  it('exits non-zero saying the server is not running when there is no pidfile', async function () {
    const r = await runCli(['status', '-p', join(dir, 'none.pid')]);
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.match(/^oq-webui is not running \(no pid in .*none\.pid\)$/m);
    expect(r.stdout).to.equal('');
  });

  it('exits non-zero saying the server is not running when the pidfile is stale', async function () {
    const pidfile = join(dir, 'stale.pid');
    const pid = await deadPid();
    writeFileSync(pidfile, `${pid}\n`);
    const r = await runCli(['status', '-p', pidfile]);
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.include(`oq-webui is not running (pid ${pid} in ${pidfile} is not alive)`);
  });
});

describe('oq-webui status without -p finds the server the way start publishes it', function () {
  this.timeout(90_000);
  const started: ChildProcess[] = [];
  const dirs: string[] = [];
  let unit: RunningServer | null = null;

  after(async function () {
    for (const p of started) {
      if (p.exitCode === null && p.signalCode === null) {
        p.kill('SIGTERM');
        await new Promise((r) => p.once('exit', r));
      }
    }
    await unit?.stop();
    for (const d of dirs) {
      rmSync(d, { recursive: true, force: true });
    }
  });

  /** `oq-webui start` without -p, its folders given by flags status will not repeat, its runtime folder as systemd gives it. */
  async function startWithoutPid(runtime: string): Promise<{ proc: ChildProcess; output: () => string }> {
    const dir = tempDir();
    dirs.push(dir);
    const port = await freePort();
    const config = join(dir, 'local_settings.json');
    writeFileSync(config, JSON.stringify({ ENGINE_COMMAND: [FAKE_OQ, 'engine', '--run', '{job_ini}'] }));
    const proc = spawn(process.execPath, [BIN, 'start', '--bind', `127.0.0.1:${port}`, '--workers', '1', '--config', config, '--data-dir', join(dir, 'data'), '--log-dir', join(dir, 'logs')],
      { env: { ...process.env, RUNTIME_DIRECTORY: runtime }, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(proc);
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
    proc.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
    return { proc, output: () => out };
  }

  it('a server started without -p (its data folder elsewhere) answers a bare `status`', async function () {
    const runtime = tempDir();
    dirs.push(runtime);
    const { proc } = await startWithoutPid(runtime);
    const r = await waitFor(async () => {
      const run = await runCli(['status'], { env: { RUNTIME_DIRECTORY: runtime } });
      return run.code === 0 ? run : null;
    }, 60_000, 'status to find the server') as CliRun;
    expect(r.stdout).to.match(new RegExp(`^master pid ${proc.pid}, `));
    expect(r.stdout).to.match(/^web +\d+/m);
    // a second server started the same way may not take the first one's socket
    const second = await startWithoutPid(runtime);
    const code = await new Promise((res) => second.proc.once('exit', res));
    expect(code).to.equal(1);
    expect(second.output()).to.include(`another oq-webui master (pid ${proc.pid}) answers on ${join(runtime, 'oq-webui.sock')}`);
    expect((await runCli(['status'], { env: { RUNTIME_DIRECTORY: runtime } })).stdout).to.match(new RegExp(`^master pid ${proc.pid}, `));
  });

  it('the systemd unit\'s server (--pid in its runtime folder) answers a bare `status` too', async function () {
    const runtime = tempDir();
    unit = await startServer({ workers: 1, dir: runtime, env: { RUNTIME_DIRECTORY: runtime } });
    expect(unit.pidfile).to.equal(join(runtime, 'oq-webui.pid'));
    const r = await runCli(['status'], { env: { RUNTIME_DIRECTORY: runtime } });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(new RegExp(`^master pid ${unit.proc.pid}, `));
  });
});
