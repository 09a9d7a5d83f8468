/**
 * The bridge replaces an engine Python process after BRIDGE_MAX_REQUESTS requests and after a
 * request that left it above BRIDGE_MAX_MEMORY: a new process (a new pid) answers what comes next,
 * no request fails, and the server log says why. (A request past BRIDGE_TIMEOUT: 504, the process
 * killed and replaced, is in test/bridge/real-engine.test.ts.) The engine's Python is the real one.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { VENV } from '../helpers/engine.js';
import { startServer, waitFor, type RunningServer } from '../helpers/server.js';

const run = promisify(execFile);

/** The pids of the bridge's Python processes. */
async function pythons(server: RunningServer): Promise<number[]> {
  const rows = (await server.status()).children as { kind: string; pid: number }[];
  const bridge = rows.find((r) => r.kind === 'bridge')?.pid;
  const { stdout } = await run('ps', ['-o', 'pid=,ppid=,stat=,args=', '-e']);
  return stdout.split('\n').map((l) => l.trim().split(/\s+/))
    .filter((w) => Number(w[1]) === bridge && !w[2].startsWith('Z') && w.join(' ').includes('oq_webui_bridge.py')).map((w) => Number(w[0]));
}

/** The one Python process of a pool of one, once it is there. */
async function onePython(server: RunningServer, not: number[] = []): Promise<number> {
  let pid = 0;
  await waitFor(async () => {
    const found = (await pythons(server)).filter((p) => !not.includes(p));
    pid = found[0] ?? 0;
    return found.length === 1;
  }, 60_000, 'the bridge\'s Python process');
  return pid;
}

describe('the engine bridge recycles its Python processes', function () {
  this.timeout(180_000);
  const servers: RunningServer[] = [];
  const start = async (settings: Record<string, unknown>) => {
    const s = await startServer({ workers: 1, settings: { BRIDGE_PYTHON: join(VENV, 'bin', 'python'), BRIDGE_PROCESSES: 1, ...settings } });
    servers.push(s);
    return s;
  };

  after(async function () {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('replaces a process after BRIDGE_MAX_REQUESTS requests: every request answered, the next ones by a new pid', async function () {
    const server = await start({ BRIDGE_MAX_REQUESTS: 3, BRIDGE_MAX_MEMORY: 0 });
    const first = await onePython(server);
    for (let i = 0; i < 3; i += 1) {
      expect((await server.fetch('/v1/available_gsims')).status).to.equal(200);
    }
    const second = await onePython(server, [first]);
    expect(second).not.to.equal(first);
    expect((await server.fetch('/v1/available_gsims')).status).to.equal(200);
    // the old one ends once its input is closed
    await waitFor(async () => (await pythons(server)).join() === String(second), 30_000, 'only the new process');
    await waitFor(() => readFileSync(join(server.logDir, 'oq-webui.log'), 'utf8').includes(`engine bridge: replacing Python process ${first} after 3 requests`), 20_000, 'the log line');
  });

  it('replaces a process after a request that left it above BRIDGE_MAX_MEMORY, and the next request is answered by the new one', async function () {
    // the engine's GSIMs, once imported, hold far more than 64 MiB
    const server = await start({ BRIDGE_MAX_REQUESTS: 0, BRIDGE_MAX_MEMORY: 64 });
    const first = await onePython(server);
    expect((await server.fetch('/v1/available_gsims')).status).to.equal(200);
    const second = await onePython(server, [first]);
    expect(second).not.to.equal(first);
    expect((await server.fetch('/v1/ini_defaults')).status).to.equal(200);
    const line = new RegExp(`engine bridge: replacing Python process ${first}: \\d+ MiB over BRIDGE_MAX_MEMORY 64 MiB`);
    await waitFor(() => line.test(readFileSync(join(server.logDir, 'oq-webui.log'), 'utf8')), 20_000, 'the log line');
  });

  it('has a new Python process say it is ready (the engine version known) only once the engine is loaded, so no request waits for the imports', async function () {
    const server = await start({ BRIDGE_MAX_REQUESTS: 0, BRIDGE_MAX_MEMORY: 0 });
    const pid = await onePython(server);
    const version = await waitFor(async () => {
      const text = await (await server.fetch('/v1/engine_version')).text();
      return /^\d/.test(text) ? text : null;
    }, 60_000, 'the engine version from the bridge');
    expect(version).to.match(/^\d+\.\d+/);
    expect(readFileSync(`/proc/${pid}/maps`, 'utf8'), 'the ready process has h5py mapped').to.include('h5py');
  });
});
