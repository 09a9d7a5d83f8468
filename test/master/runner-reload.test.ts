import { readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'chai';
import { getJson, submit, waitStatus } from '../calcs/support.js';
import { alive, childrenOf, runnerPid } from '../helpers/processes.js';
import { sleep, startServer, waitFor, type RunningServer } from '../helpers/server.js';

describe('master: HUP and the job runner', function () {
  this.timeout(90_000);
  let server: RunningServer | null = null;

  afterEach(async function () {
    await server?.stop();
    server = null;
  });

  it('a HUP that lowers the timeout (config file) leaves the runner and its long calculation alone: it takes the new heartbeat period', async function () {
    // TIMEOUT 30: the runner beats every second; TIMEOUT 2 wants a beat every half second.
    // (Not TIMEOUT 1: a loaded machine can keep a process off the CPU for most of a second, and
    // the old one-second period would survive TIMEOUT 2 anyway, so the period is asserted itself.)
    server = await startServer({ workers: 1, settings: { TIMEOUT: 30 } });
    const s = server;
    const id = await submit(s, { fake_behaviour: 'hang' });
    await waitStatus(s, id, ['executing']);
    const runner = await waitFor(() => runnerPid(s), 10_000, 'the job runner');
    const before = (await childrenOf(s)).find((c) => c.pid === runner);
    expect(before?.heartbeat_period).to.equal(1);
    const config = JSON.parse(readFileSync(s.configFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(s.configFile, JSON.stringify({ ...config, TIMEOUT: 2 }));
    s.signal('SIGHUP');
    await s.waitForOutput(/Reload complete: generation 2 serving/, 20_000);
    // the runner beats with its new period before it logs this line (one pipe, in order)
    await s.waitForOutput(/Job runner: settings reloaded/, 10_000);
    const after = (await childrenOf(s)).find((c) => c.pid === runner);
    expect(after?.heartbeat_period, 'the runner\'s heartbeat period after the HUP (s)').to.equal(0.5);
    // twice the new timeout: still the same runner, still running the calculation
    await sleep(2 * 2000);
    // (a new web worker may be timed out while it boots on a busy machine: the runner is the one under test)
    expect(s.output()).not.to.include(`WORKER TIMEOUT (pid:${runner})`);
    expect(alive(runner)).to.equal(true);
    expect(await runnerPid(s)).to.equal(runner);
    expect((await getJson<{ status: string }>(s, `/v1/calc/${id}`)).body.status).to.equal('executing');
  });
});
