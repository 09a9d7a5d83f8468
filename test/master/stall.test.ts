import { expect } from 'chai';
import { submit, waitStatus } from '../calcs/support.js';
import { alive, childrenOf, runnerPid } from '../helpers/processes.js';
import { sleep, startServer, waitFor, type RunningServer } from '../helpers/server.js';

describe('master: a stalled master (SIGSTOP, suspend) judges each child on its own silence', function () {
  this.timeout(90_000);
  let server: RunningServer | null = null;
  const stopped: number[] = [];

  afterEach(async function () {
    for (const pid of stopped.splice(0)) {
      if (alive(pid)) {
        process.kill(pid, 'SIGCONT');
      }
    }
    await server?.stop();
    server = null;
  });

  it('SIGSTOP the master for 3× --timeout, SIGCONT: the same workers and runner stay, the running calculation completes; a worker stopped too is killed', async function () {
    const timeout = 2;
    const stall = 3 * timeout;
    server = await startServer({ workers: 3, args: ['--timeout', String(timeout)] });
    const s = server;
    // a calculation that runs through the whole stall
    const id = await submit(s, { fake_duration: String(stall + 3) });
    await waitStatus(s, id, ['executing']);
    const runner = await waitFor(() => runnerPid(s), 10_000, 'the job runner');
    const [hung, ...healthy] = (await s.readyWorkers()).sort((a, b) => a - b);
    const master = s.proc.pid as number;
    process.kill(master, 'SIGSTOP');
    stopped.push(master);
    // this worker is silent for real, through the stall and after
    process.kill(hung, 'SIGSTOP');
    stopped.push(hung);
    await sleep(stall * 1000);
    const before = s.output().length;
    process.kill(master, 'SIGCONT');
    await waitFor(() => !alive(hung), 10 * timeout * 1000, 'the stopped worker to be killed');
    const after = (): string => s.output().slice(before);
    expect(after().match(/WORKER TIMEOUT \(pid:\d+\)/g), 'timeouts after the stall').to.deep.equal([`WORKER TIMEOUT (pid:${hung})`]);
    expect(after()).to.match(/The master's loop was stalled for \d+\.\d s/);
    expect(await waitStatus(s, id, ['complete', 'failed', 'aborted'], 30_000)).to.equal('complete');
    const rows = await childrenOf(s);
    expect(rows.find((c) => c.kind === 'runner')?.pid).to.equal(runner);
    const web = rows.filter((c) => c.kind === 'web').map((c) => c.pid);
    expect(web).to.include.members(healthy);
    expect((await s.fetch('/v1/engine_version')).status).to.equal(200);
  });
});
