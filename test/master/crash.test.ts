import { expect } from 'chai';
import { startServer, waitFor, type RunningServer } from '../helpers/server.js';
import { alive } from '../helpers/processes.js';
import { linesMatching } from './support.js';

/** Pids of the HTTP workers in any state. */
async function webPids(s: RunningServer): Promise<number[]> {
  const st = await s.status();
  return (st.children as { kind: string; pid: number }[]).filter((c) => c.kind === 'web').map((c) => c.pid);
}

describe('master: crashed workers', function () {
  let server: RunningServer | null = null;

  afterEach(async function () {
    await server?.stop();
    server = null;
  });

  it('logs a SIGKILLed worker as perhaps out of memory and replaces it', async function () {
    server = await startServer({ workers: 2 });
    const s = server;
    const [victim, other] = await s.readyWorkers();
    process.kill(victim, 'SIGKILL');
    const now = await waitFor(async () => {
      const pids = await s.readyWorkers();
      return pids.length === 2 && !pids.includes(victim) ? pids : null;
    }, 15_000, 'a replacement worker');
    expect(now).to.include(other);
    expect(s.output()).to.include(`[ERROR] Worker (pid:${victim}) was sent SIGKILL! Perhaps out of memory?`);
    expect((await s.fetch('/v1/engine_version')).status).to.equal(200);
  });

  it('logs the exit code of a worker that exits on its own and replaces it', async function () {
    server = await startServer({ workers: 1 });
    const s = server;
    const [victim] = await s.readyWorkers();
    // a worker's SIGABRT handler exits with code 1: a worker dying of an error looks the same
    process.kill(victim, 'SIGABRT');
    await waitFor(async () => {
      const pids = await s.readyWorkers();
      return pids.length === 1 && pids[0] !== victim;
    }, 15_000, 'a replacement worker');
    expect(s.output()).to.include(`[ERROR] Worker (pid:${victim}) exited with code 1.`);
  });

  it('backs off exponentially when workers keep crashing, and recovers', async function () {
    server = await startServer({ workers: 1 });
    const s = server;
    const killed: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      // kill the newest worker as soon as it exists, booting or not
      const pid = await waitFor(async () => (await webPids(s)).find((p) => !killed.includes(p)) ?? 0, 20_000, `worker #${i + 1}`);
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
      await waitFor(() => !alive(pid), 5000, `worker ${pid} to die`);
    }
    await s.waitForOutput(/next start in 1\.0 s/, 10_000);
    const warnings = linesMatching(s.output(), /Workers are crashing repeatedly; next start in/);
    expect(warnings.map((l) => /next start in ([\d.]+) s/.exec(l)?.[1])).to.deep.equal(['0.5', '1.0']);
    // the crash loop did not spin: one start per crash, plus the first and the one after the last
    const boots = linesMatching(s.output(), /Booting worker with pid/);
    expect(boots.length).to.be.at.most(killed.length + 1);
    const ready = await waitFor(async () => {
      const pids = await s.readyWorkers();
      return pids.length === 1 && !killed.includes(pids[0]) ? pids : null;
    }, 15_000, 'a worker after the backoff');
    expect(s.output()).to.include(`Booting worker with pid: ${ready?.[0]}`);
    expect((await s.fetch('/v1/engine_version')).status).to.equal(200);
  });
});
