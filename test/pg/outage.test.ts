/**
 * PostgreSQL stopped under a running server: requests that need the database answer 503 while it
 * is down, the server log says why in one line, the workers stay (no crash loop), and once it is
 * back every request answers as before, with nothing lost: first one request at a time, then
 * restarted under load (clients listing and submitting calculations throughout).
 */
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { calcZip, uploadForm } from '../calcs/support.js';
import { accountFactory, login } from '../helpers/accounts.js';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.js';
import { BIN, sleep, startServer, waitFor, type RunningServer } from '../helpers/server.js';

const run = promisify(execFile);

describe('PostgreSQL stopped and started again under a running server', function () {
  this.timeout(180_000);
  let cluster: PostgresCluster;
  let server: RunningServer;
  let cookie: string;

  before(async () => {
    cluster = await startPostgres();
    const url = await cluster.createDatabase('outage');
    await run(process.execPath, [BIN, 'migrate', '--database', url]);
    server = await startServer({ workers: 2, settings: { DATABASE: url, LOCKDOWN: true, MAX_CONCURRENT_JOBS: 4 } });
    const f = await accountFactory(url);
    await f.createUser({ username: 'alice' });
    await f.close();
    cookie = await login(server, 'alice');
  });

  after(async () => {
    await server?.stop();
    await cluster?.stop();
  });

  const list = async (): Promise<number> => (await server.fetch('/v1/calc/list', { headers: { cookie } })).status;

  /** The server log so far (the master's daily file). */
  function serverLog(): string {
    return readdirSync(server.logDir).filter((f) => /^oq-webui-.*\.log$/.test(f)).map((f) => readFileSync(join(server.logDir, f), 'utf8')).join('');
  }

  afterEach(function () {
    if (this.currentTest?.state === 'failed') {
      const log = serverLog();
      // a failed request's first lines (its cause), then the end of the log
      console.log(log.split('\n').filter((l, i, all) => / failed: /.test(l) || / failed: /.test(all[i - 1] ?? '')).slice(0, 20).join('\n'));
      console.log(log.split('\n').slice(-30).join('\n'));
    }
  });

  it('answers 503 while PostgreSQL is down, with a log line, then 200 again by itself, with the same workers and data', async () => {
    expect(await list()).to.equal(200);
    const workers = (await server.readyWorkers()).sort();

    await cluster.pause();
    // the first requests may still find a pooled connection that has not yet seen the shutdown
    await waitFor(async () => (await list()) === 503, 30_000, 'a 503 while PostgreSQL is down');
    const during = [];
    for (let i = 0; i < 10; i++) {
      during.push(await list());
    }
    expect(during).to.deep.equal(Array(10).fill(503));
    expect(serverLog()).to.match(/the database at postgres:\/\/\*\*\*@127\.0\.0\.1:\d+\/outage cannot be reached/);

    await cluster.resume();
    await waitFor(async () => (await list()) === 200, 30_000, '200 once PostgreSQL is back');
    const after = [];
    for (let i = 0; i < 10; i++) {
      after.push(await list());
    }
    expect(after).to.deep.equal(Array(10).fill(200));
    // no worker was lost or replaced, and alice's session and account are still there
    expect((await server.readyWorkers()).sort()).to.deep.equal(workers);
    expect(await login(server, 'alice')).to.be.a('string');
  });

  /** One request of the load: when it was sent and answered (ms), its status (0: no answer), and the job it made. */
  interface Answer {
    sent: number;
    answered: number;
    status: number;
    jobId?: number;
  }

  /** Children of the master by kind (web workers and the runner), as pids. */
  async function children(): Promise<string[]> {
    const s = await server.status();
    return (s.children as { kind: string; pid: number }[]).map((c) => `${c.kind}:${c.pid}`).sort();
  }

  it('restarted under load: every answer is 200 or 503, 503 while it is down, none after, every accepted calculation kept and run', async () => {
    const zip = await calcZip({ fake_duration: '0.05' });
    const answers: Answer[] = [];
    let stop = false;
    const ask = async (make: () => Promise<Response>, job: boolean): Promise<void> => {
      const sent = Date.now();
      let status = 0;
      let jobId: number | undefined;
      try {
        const res = await make();
        status = res.status;
        const body = await res.text();
        if (job && status === 200) {
          jobId = (JSON.parse(body) as { job_id: number }).job_id;
        }
      } catch {
        status = 0;
      }
      answers.push({ sent, answered: Date.now(), status, jobId });
    };
    const lister = async (): Promise<void> => {
      while (!stop) {
        await ask(() => server.fetch('/v1/calc/list', { headers: { cookie } }), false);
      }
    };
    const submitter = async (): Promise<void> => {
      while (!stop) {
        await ask(() => server.fetch('/v1/calc/run', { method: 'POST', headers: { cookie }, body: uploadForm([{ name: 'calc.zip', data: zip }]) }), true);
        await sleep(100);
      }
    };
    const kids = await children();
    const load = [lister(), lister(), lister(), submitter()];
    await sleep(1500);
    const downAt = Date.now();
    await cluster.pause();
    const downFrom = Date.now();
    await sleep(3000);
    const upAt = Date.now();
    await cluster.resume();
    // from the first 200 after PostgreSQL is back, load goes on for a while
    await waitFor(() => answers.some((a) => a.sent > upAt && a.status === 200), 30_000, 'a 200 once PostgreSQL is back');
    const recovered = Math.min(...answers.filter((a) => a.sent > upAt && a.status === 200).map((a) => a.sent));
    await sleep(3000);
    stop = true;
    await Promise.all(load);

    const statuses = [...new Set(answers.map((a) => a.status))].sort();
    expect(statuses, 'every request answered, with 200 or 503').to.deep.equal([200, 503]);
    const during = answers.filter((a) => a.sent >= downFrom && a.answered <= upAt);
    expect(during.length, 'requests while it was down').to.be.greaterThan(5);
    expect([...new Set(during.map((a) => a.status))]).to.deep.equal([503]);
    const after = answers.filter((a) => a.sent > recovered);
    expect(after.length, 'requests after it came back').to.be.greaterThan(5);
    expect([...new Set(after.map((a) => a.status))]).to.deep.equal([200]);
    expect([...new Set(answers.filter((a) => a.answered < downAt).map((a) => a.status))], 'before it went down').to.deep.equal([200]);
    expect(serverLog()).to.match(/the database at postgres:\/\/\*\*\*@127\.0\.0\.1:\d+\/outage cannot be reached/);
    // the runner says it once in a sentence, and when it may take jobs again; no stack per tick
    expect(serverLog()).to.match(/\[WARNING\] Job runner: queued jobs stay queued while the database at postgres:\/\/\*\*\*@127\.0\.0\.1:\d+\/outage cannot be reached/);
    expect(serverLog()).to.not.match(/\[ERROR\] Job runner: Sequelize/);

    // nothing lost: every calculation accepted (before, around and after) is in the database and runs to the end
    const accepted = answers.filter((a) => a.jobId !== undefined).map((a) => a.jobId as number);
    expect(accepted.length).to.be.greaterThan(3);
    const statusOf = (): Promise<string> => cluster.psql('outage', `SELECT string_agg(id || ' ' || status, ', ' ORDER BY id) FROM job WHERE id IN (${accepted.join(',')})`);
    await waitFor(async () => (await statusOf()).split(', ').filter((s) => s.endsWith(' complete')).length === accepted.length, 60_000,
      `the ${accepted.length} accepted calculations complete`).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${await statusOf()}`);
    });
    // the same workers and runner: none crashed or was replaced
    expect(await children()).to.deep.equal(kids);
  });
});
