import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.js';
import { deadPid } from '../helpers/processes.js';
import { runCli } from '../master/support.js';

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
