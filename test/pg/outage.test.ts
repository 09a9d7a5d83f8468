/**
 * PostgreSQL stopped under a running server: requests that need the database answer 503 while it
 * is down, the server log says why in one line, the workers stay (no crash loop), and once it is
 * back every request answers as before, with nothing lost.
 */
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { accountFactory, login } from '../helpers/accounts.js';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.js';
import { BIN, startServer, waitFor, type RunningServer } from '../helpers/server.js';

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
    server = await startServer({ workers: 2, settings: { DATABASE: url, LOCKDOWN: true } });
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
      console.log(serverLog().split('\n').slice(-30).join('\n'));
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
});
