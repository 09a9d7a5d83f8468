import { expect } from 'chai';
import { startServer, waitFor, type RunningServer } from '../helpers/server.js';
import { alive } from '../helpers/processes.js';

describe('master: the watchdog', function () {
  let server: RunningServer | null = null;
  let stopped: number | null = null;

  afterEach(async function () {
    if (stopped !== null && alive(stopped)) {
      process.kill(stopped, 'SIGCONT');
    }
    stopped = null;
    await server?.stop();
    server = null;
  });

  it('kills a SIGSTOPped worker (WORKER TIMEOUT) and has a replacement ready within timeout + 1.5 s', async function () {
    server = await startServer({ workers: 2, args: ['--timeout', '2'] });
    const s = server;
    const [victim, other] = await s.readyWorkers();
    process.kill(victim, 'SIGSTOP');
    stopped = victim;
    const t0 = Date.now();
    let replacedAt = 0;
    const ready = await waitFor(async () => {
      const pids = await s.readyWorkers();
      replacedAt = Date.now();
      return pids.length === 2 && !pids.includes(victim) ? pids : null;
    }, 15_000, 'a replacement worker');
    expect(ready).to.include(other);
    expect(s.output()).to.include(`[CRITICAL] WORKER TIMEOUT (pid:${victim})`);
    // The spec's own bound (timeout 2 s + 1.5 s), measured from the STOP to the status poll
    // that first saw the replacement ready (polls are 50 ms apart plus one status round trip).
    expect(replacedAt - t0, 'ms from SIGSTOP to the replacement ready').to.be.at.most(3500);
    await waitFor(() => !alive(victim), 5000, 'the stopped worker to be killed');
    expect(s.output()).to.match(new RegExp(`Worker \\(pid:${victim}\\) was sent SIGKILL!(?! Perhaps)`));
    expect((await s.fetch('/v1/engine_version')).status).to.equal(200);
  });

  it('leaves a stopped worker alone with --timeout 0 (watchdog off)', async function () {
    server = await startServer({ workers: 1, args: ['--timeout', '0'] });
    const [victim] = await server.readyWorkers();
    process.kill(victim, 'SIGSTOP');
    stopped = victim;
    // three of the loop's passes at the shortest timeout would have caught it; none may
    await new Promise((r) => setTimeout(r, 1500));
    expect(alive(victim)).to.equal(true);
    expect(server.output()).not.to.include('WORKER TIMEOUT');
    process.kill(victim, 'SIGCONT');
    stopped = null;
    expect((await server.fetch('/v1/engine_version')).status).to.equal(200);
  });
});
