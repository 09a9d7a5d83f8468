import { expect } from 'chai';
import { sleep, startServer, waitFor, type RunningServer } from '../helpers/server.js';
import { Load, linesMatching } from './support.js';

interface Row { kind: string; pid: number; state: string; requests: number; max_requests: number }

async function webRows(s: RunningServer): Promise<Row[]> {
  return ((await s.status()).children as Row[]).filter((c) => c.kind === 'web');
}

describe('master: recycling workers', function () {
  const servers: RunningServer[] = [];

  afterEach(async function () {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  it('--max-requests: the worker finishes its request, is replaced, and no request fails', async function () {
    const s = await startServer({ workers: 1, args: ['--max-requests', '5'] });
    servers.push(s);
    const [first] = await s.readyWorkers();
    const load = new Load(`${s.base}/v1/engine_version`, 4);
    await waitFor(async () => {
      const pids = await s.readyWorkers();
      return pids.length === 1 && pids[0] !== first && linesMatching(s.output(), /Recycling worker/).length >= 2;
    }, 30_000, 'two recycled workers');
    const result = await load.stop();
    expect(result.failed, result.errors.slice(0, 5).join('\n')).to.equal(0);
    expect(s.output()).to.include('Autorestarting worker after current request.');
    expect(s.output()).to.include(`Recycling worker (pid:${first}): max requests (5) reached`);
    await s.waitForOutput(new RegExp(`Worker exiting \\(pid: ${first}\\) \\(recycled\\)`));
  });

  it('--max-requests-jitter: each worker gets its own limit between N and N + jitter', async function () {
    const s = await startServer({ workers: 4, args: ['--max-requests', '1000', '--max-requests-jitter', '1000'] });
    servers.push(s);
    const limits = (await webRows(s)).map((r) => r.max_requests);
    expect(limits).to.have.length(4);
    for (const l of limits) {
      expect(l).to.be.within(1000, 2000);
    }
    expect(new Set(limits).size, `limits ${limits.join(', ')}`).to.be.greaterThan(1);
  });

  it('--max-memory: a worker over the limit is recycled without failing a request, and idle workers are not recycled in a loop', async function () {
    // 1 MiB is below any real worker: each one that serves is over the limit
    const s = await startServer({ workers: 1, args: ['--max-memory', '1', '--timeout', '4'] });
    servers.push(s);
    const [first] = await s.readyWorkers();
    const load = new Load(`${s.base}/v1/engine_version`, 4);
    await s.waitForOutput(new RegExp(`Recycling worker \\(pid:${first}\\): memory \\d+ MiB over max-memory 1 MiB`), 15_000);
    await waitFor(async () => {
      const pids = await s.readyWorkers();
      return pids.length === 1 && pids[0] !== first;
    }, 15_000, 'the replacement');
    const result = await load.stop();
    expect(result.failed, result.errors.slice(0, 5).join('\n')).to.equal(0);
    // once requests stop (and the last heartbeats told the master), the last replacement serves none and stays
    await sleep(1500);
    const idle = await waitFor(async () => {
      const rows = await webRows(s);
      return rows.length === 1 && rows[0].state === 'ready' && rows[0].requests === 0 ? rows[0] : null;
    }, 20_000, 'a fresh worker that served nothing');
    const boots = linesMatching(s.output(), /Booting worker/).length;
    await sleep(2500);
    expect(linesMatching(s.output(), /Booting worker/)).to.have.length(boots);
    expect(await s.readyWorkers()).to.deep.equal([idle?.pid]);
  });
});
