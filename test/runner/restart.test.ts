import { readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'chai';
import { getJson, postJson, submit, waitStatus } from '../calcs/support.js';
import { startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.js';
import { alive } from '../helpers/processes.js';

/** The pid of the job runner the master supervises now. */
async function runnerPid(server: RunningServer): Promise<number> {
  return waitFor(async () => {
    const s = await server.status();
    const r = (s.children as { kind: string; pid: number; state: string }[]).find((c) => c.kind === 'runner' && c.state === 'ready');
    return r?.pid ?? 0;
  }, 15_000, 'a ready job runner');
}

/** The helper process the stand-in engine started (same process group), from the job's log. */
async function helperPid(server: RunningServer, id: number): Promise<number> {
  return waitFor(async () => {
    const log = (await getJson<[string, string, string, string][]>(server, `/v1/calc/${id}/log/:`)).body;
    const m = log.map((l) => /^Started helper process (\d+)$/.exec(l[3])).find(Boolean);
    return m ? Number(m[1]) : 0;
  }, 5000, 'helper pid');
}

describe('job runner supervision and restart recovery', function () {
  this.timeout(90_000);
  const servers: RunningServer[] = [];

  afterEach(async () => {
    for (const s of servers.splice(0)) {
      await s.stop();
    }
  });

  it('the runner is a supervised child of the master, not an HTTP worker', async () => {
    const server = await startServer({ workers: 2 });
    servers.push(server);
    const pid = await runnerPid(server);
    expect((await server.readyWorkers()).length).to.equal(2);
    expect(await server.readyWorkers()).to.not.include(pid);
  });

  it('a runner killed with SIGKILL is replaced; the new runner fails its orphaned job, stops its engine, and runs new jobs', async () => {
    const server = await startServer({ workers: 1 });
    servers.push(server);
    const id = await submit(server, { fake_behaviour: 'hang' });
    await waitStatus(server, id, ['executing']);
    const helper = await helperPid(server, id);
    const old = await runnerPid(server);
    process.kill(old, 'SIGKILL');
    const fresh = await waitFor(async () => {
      const pid = await runnerPid(server);
      return pid !== old ? pid : 0;
    }, 15_000, 'a new runner');
    expect(fresh).to.not.equal(old);
    expect(await waitStatus(server, id, ['failed'], 10_000)).to.equal('failed');
    const tb = (await getJson<string[]>(server, `/v1/calc/${id}/traceback`)).body.join('\n');
    expect(tb).to.match(/job runner stopped while the calculation was running/);
    expect(tb).to.match(/engine process \(pid \d+\) was stopped/);
    await waitFor(() => !alive(helper), 3000, 'the orphaned engine group gone');
    const next = await submit(server, { fake_duration: '0.05' });
    expect(await waitStatus(server, next, ['complete', 'failed'])).to.equal('complete');
  });

  it('CALC_TIMEOUT fails a calculation that runs too long, with the reason as its traceback', async () => {
    const server = await startServer({ workers: 1, settings: { CALC_TIMEOUT: 1 } });
    servers.push(server);
    const id = await submit(server, { fake_behaviour: 'hang' });
    const helper = await helperPid(server, id);
    expect(await waitStatus(server, id, ['failed', 'complete', 'aborted'], 10_000)).to.equal('failed');
    expect((await getJson<string[]>(server, `/v1/calc/${id}/traceback`)).body).to.deep.equal(['The calculation ran longer than CALC_TIMEOUT (1 s) and was stopped']);
    await waitFor(() => !alive(helper), 3000, 'the engine group gone');
  });

  it('a HUP reload keeps the runner and its running calculation, and gives it the new settings', async () => {
    const server = await startServer({ workers: 1, settings: { MAX_CONCURRENT_JOBS: 1 } });
    servers.push(server);
    const first = await submit(server, { fake_behaviour: 'hang' });
    await waitStatus(server, first, ['executing']);
    const runner = await runnerPid(server);
    const config = JSON.parse(readFileSync(server.configFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(server.configFile, JSON.stringify({ ...config, MAX_CONCURRENT_JOBS: 2 }));
    server.signal('SIGHUP');
    await server.waitForOutput(/Job runner: settings reloaded/);
    const second = await submit(server, { fake_behaviour: 'hang' });
    await waitStatus(server, second, ['executing']);
    expect((await getJson<{ status: string }>(server, `/v1/calc/${first}`)).body.status).to.equal('executing');
    expect(await runnerPid(server)).to.equal(runner);
    for (const id of [first, second]) {
      await postJson(server, `/v1/calc/${id}/abort`);
      await waitStatus(server, id, ['aborted'], 3000);
    }
  });

  it('stopping the server fails the running job with a reason; queued jobs run after the next start', async () => {
    const dir = tempDir();
    const first = await startServer({ workers: 1, dir, settings: { MAX_CONCURRENT_JOBS: 1 } });
    const running = await submit(first, { fake_behaviour: 'hang' });
    await waitStatus(first, running, ['executing']);
    const queued = await submit(first, { fake_duration: '0.05' });
    expect((await getJson<{ status: string }>(first, `/v1/calc/${queued}`)).body.status).to.equal('created');
    const helper = await helperPid(first, running);
    first.signal('SIGTERM');
    expect(await first.exited).to.deep.equal({ code: 0, signal: null });
    await waitFor(() => !alive(helper), 3000, 'the engine group gone');

    const second = await startServer({ workers: 1, dir, settings: { MAX_CONCURRENT_JOBS: 1 } });
    servers.push(second);
    expect((await getJson<{ status: string }>(second, `/v1/calc/${running}`)).body.status).to.equal('failed');
    const tb = (await getJson<string[]>(second, `/v1/calc/${running}/traceback`)).body.join('\n');
    expect(tb).to.match(/server stopped while the calculation was running/);
    expect(await waitStatus(second, queued, ['complete', 'failed'])).to.equal('complete');
  });
});
