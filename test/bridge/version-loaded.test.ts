/**
 * Issue 17 item 4: the engine's version is asked once (by the bridge) and shared, so every HTTP
 * worker answers the same string as `oq --version` while the machine is loaded: CPU hogs on
 * every core and the bridge's Python kept busy with the engine's own work, across a HUP that
 * replaces every worker. (The earlier per-worker probe answered `unknown` on a loaded machine.)
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { ENGINE_VENV, openquakePackage } from '../helpers/original.js';
import { startServer, waitFor, type RunningServer } from '../helpers/server.js';

const run = promisify(execFile);
const OQ = join(ENGINE_VENV, 'bin', 'oq');
const WORKERS = 3;

/** GET /v1/engine_version on a connection of its own (so the kernel may give it to any worker). */
function versionOnce(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/v1/engine_version', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve(`${res.statusCode} ${body}`));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** One request straight to the bridge's socket (the engine's Python busy without using an HTTP worker); resolves when answered. */
function bridgeRequest(socket: string, op: string): Promise<void> {
  return new Promise((resolve) => {
    const sock = net.connect(socket);
    sock.on('error', () => resolve());
    sock.on('close', () => resolve());
    sock.on('data', () => undefined);
    sock.write(`${JSON.stringify({ op, args: {} })}\n`);
  });
}

interface WorkerRow {
  kind: string;
  pid: number;
  requests: number;
  state: string;
}

if (openquakePackage() === null) {
  console.log(`engine version under load: not run, no OpenQuake Engine in ${ENGINE_VENV}`);
} else {
  describe('the engine version on a loaded machine (real engine)', function () {
    this.timeout(600_000);
    let server: RunningServer;
    let expected = '';
    const hogs: ChildProcess[] = [];
    let loading = false;
    let loads: Promise<void>[] = [];

    before(async function () {
      // what the engine itself says, asked as an operator would
      expected = (await run(OQ, ['--version'], { env: { ...process.env, CI: '1' } })).stdout.trim();
      expect(expected).to.match(/^\d+\.\d+\.\d+/);
      server = await startServer({
        workers: WORKERS,
        settings: { BRIDGE_PYTHON: join(ENGINE_VENV, 'bin', 'python'), ENGINE_COMMAND: [OQ, 'engine', '--run', '{job_ini}'], BRIDGE_PROCESSES: 2 },
        env: { CI: 'true' },
      });
      // the server has started once the bridge's first answer reached the workers
      await waitFor(async () => (await versionOnce(server.port)) === `200 ${expected}`, 300_000, 'the first engine version');
    });

    after(async () => {
      loading = false;
      hogs.forEach((h) => h.kill('SIGKILL'));
      await Promise.all(loads);
      await server?.stop();
    });

    /** The ready HTTP workers and the requests each has served (from their heartbeats). */
    async function workers(): Promise<WorkerRow[]> {
      return ((await server.status()).children as WorkerRow[]).filter((r) => r.kind === 'web' && r.state === 'ready');
    }

    /**
     * Asks the version 12 at a time, each on a new connection, until every worker in `pids` has
     * served some of them (their heartbeats' counts rose); every answer is kept.
     */
    async function askUntilEveryWorkerAnswered(pids: number[], answers: string[]): Promise<void> {
      const start = new Map((await workers()).map((w) => [w.pid, w.requests]));
      await waitFor(async () => {
        await Promise.all(Array.from({ length: 12 }, async () => {
          for (let i = 0; i < 5; i += 1) {
            answers.push(await versionOnce(server.port));
          }
        }));
        const now = await workers();
        return pids.every((p) => (now.find((w) => w.pid === p)?.requests ?? 0) > (start.get(p) ?? 0));
      }, 300_000, `each of the workers ${pids.join(', ')} to answer`);
    }

    it(`answers the version \`oq --version\` gives from each of ${WORKERS} workers, the same string every time, with every core busy and across a HUP`, async function () {
      // load: a spinning process per core, and the bridge's two Python processes kept busy with the engine's work
      for (let i = 0; i < availableParallelism() + 1; i += 1) {
        hogs.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
      }
      loading = true;
      const bridgeSocket = `${server.controlSocket}.bridge`;
      loads = Array.from({ length: 4 }, async (_, i) => {
        while (loading) {
          await bridgeRequest(bridgeSocket, i % 2 ? 'ini_defaults' : 'available_gsims');
        }
      });

      const first = (await workers()).map((w) => w.pid);
      expect(first).to.have.length(WORKERS);
      const answers: string[] = [];
      await askUntilEveryWorkerAnswered(first, answers);

      // HUP: every worker is replaced (and the bridge asked again) while the answers go on
      server.signal('SIGHUP');
      let replaced: number[] = [];
      await waitFor(async () => {
        answers.push(await versionOnce(server.port));
        replaced = (await workers()).map((w) => w.pid).filter((p) => !first.includes(p));
        return replaced.length === WORKERS;
      }, 300_000, 'the workers to be replaced');
      await askUntilEveryWorkerAnswered(replaced, answers);

      expect(answers.length).to.be.greaterThan(100);
      const counts = new Map<string, number>();
      answers.forEach((a) => counts.set(a, (counts.get(a) ?? 0) + 1));
      expect(Object.fromEntries(counts)).to.deep.equal({ [`200 ${expected}`]: answers.length });
    });
  });
}
