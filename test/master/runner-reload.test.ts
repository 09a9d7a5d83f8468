import { readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'chai';
import { getJson, submit, waitStatus } from '../calcs/support.js';
import { alive, runnerPid } from '../helpers/processes.js';
import { sleep, startServer, waitFor, type RunningServer } from '../helpers/server.js';

describe('master: HUP and the job runner', function () {
  this.timeout(90_000);
  let server: RunningServer | null = null;

  afterEach(async function () {
    await server?.stop();
    server = null;
  });

  it('a HUP that lowers the timeout (config file) leaves the runner and its long calculation alone: it takes the new heartbeat period', async function () {
    // TIMEOUT 30: the runner beats every second; the new TIMEOUT 1 needs beats more often than that
    server = await startServer({ workers: 1, settings: { TIMEOUT: 30 } });
    const s = server;
    const id = await submit(s, { fake_behaviour: 'hang' });
    await waitStatus(s, id, ['executing']);
    const runner = await waitFor(() => runnerPid(s), 10_000, 'the job runner');
    const config = JSON.parse(readFileSync(s.configFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(s.configFile, JSON.stringify({ ...config, TIMEOUT: 1 }));
    s.signal('SIGHUP');
    await s.waitForOutput(/Reload complete: generation 2 serving/, 20_000);
    expect(s.output()).to.include('Job runner: settings reloaded');
    // Twice the new timeout: with its old one-second period the runner is killed at its first late
    // beat (a period equal to the timeout leaves no slack). Not longer: a loaded machine can keep
    // any process off the CPU for a second now and then, and every second at TIMEOUT 1 is exposure.
    // (TIMEOUT 1 is the only value the bug shows at: heartbeats are at most 1 s apart.)
    await sleep(2 * 1000);
    // (a new web worker may be timed out while it boots on a busy machine: the runner is the one under test)
    expect(s.output()).not.to.include(`WORKER TIMEOUT (pid:${runner})`);
    expect(alive(runner)).to.equal(true);
    expect(await runnerPid(s)).to.equal(runner);
    expect((await getJson<{ status: string }>(s, `/v1/calc/${id}`)).body.status).to.equal('executing');
    const rows = (await s.status()).children as { kind: string; heartbeat: number }[];
    expect(rows.find((c) => c.kind === 'runner')?.heartbeat, 'seconds since the runner\'s last beat').to.be.at.most(1);
  });
});
