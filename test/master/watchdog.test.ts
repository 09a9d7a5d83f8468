import { expect } from 'chai';
import { alive } from '../helpers/processes.js';
import { startServer, waitFor, type RunningServer } from '../helpers/server.js';

describe('master: the watchdog', function () {
  this.timeout(60_000);
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

  it('kills a SIGSTOPped worker (WORKER TIMEOUT, then SIGKILL) no sooner than --timeout, and has a replacement ready', async function () {
    const timeout = 2;
    server = await startServer({ workers: 2, args: ['--timeout', String(timeout)] });
    const s = server;
    const [victim, other] = await s.readyWorkers();
    process.kill(victim, 'SIGSTOP');
    stopped = victim;
    const t0 = Date.now();
    // the judgement comes after the timeout (its last beat was at most one period, 500 ms, before the stop) ...
    await s.waitForOutput(new RegExp(`WORKER TIMEOUT \\(pid:${victim}\\)`), 10 * timeout * 1000);
    expect(Date.now() - t0, 'ms from SIGSTOP to WORKER TIMEOUT').to.be.at.least(timeout * 1000 - 500);
    // ... and the rest follows in order: killed (a stopped process cannot act on SIGABRT), replaced
    await s.waitForOutput(new RegExp(`Worker \\(pid:${victim}\\) was sent SIGKILL!(?! Perhaps)`), 10 * timeout * 1000);
    expect(alive(victim)).to.equal(false);
    expect(s.output()).to.include(`[CRITICAL] WORKER TIMEOUT (pid:${victim})`);
    const ready = await waitFor(async () => {
      const pids = await s.readyWorkers();
      return pids.length === 2 && !pids.includes(victim) ? pids : null;
    }, 10 * timeout * 1000, 'a replacement worker');
    expect(ready).to.include(other);
    expect((await s.fetch('/v1/engine_version')).status).to.equal(200);
  });

  it('leaves a stopped worker alone with --timeout 0 (watchdog off), even where the config file sets a short timeout', async function () {
    // the config file's TIMEOUT 1 is what a server that ignored `--timeout 0` would use
    const fileTimeout = 1;
    server = await startServer({ workers: 1, settings: { TIMEOUT: fileTimeout }, args: ['--timeout', '0'] });
    const [victim] = await server.readyWorkers();
    process.kill(victim, 'SIGSTOP');
    stopped = victim;
    // three times the timeout that would otherwise have fired
    await new Promise((r) => setTimeout(r, 3 * fileTimeout * 1000));
    expect(alive(victim)).to.equal(true);
    expect(server.output()).not.to.include('WORKER TIMEOUT');
    process.kill(victim, 'SIGCONT');
    stopped = null;
    expect((await server.readyWorkers())).to.deep.equal([victim]);
    expect((await server.fetch('/v1/engine_version')).status).to.equal(200);
  });
});
