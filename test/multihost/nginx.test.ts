/**
 * nginx (the shipped site with its "Several hosts" upstream) in front of two hosts on one
 * PostgreSQL: requests are spread over both, a session made through nginx holds whichever host
 * answers, and when host A stops, even while GETs are under way, every GET answers 200 from B.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { accountFactory, cookieHeader, GOOD_PASSWORD } from '../helpers/accounts.js';
import { startHosts, type Hosts } from '../helpers/hosts.js';
import { startNginx, twoHostSite, type RunningNginx } from '../helpers/nginx.js';
import { waitFor } from '../helpers/server.js';
import { initCalcModels } from '../../src/db/models/calcs.js';

const run = promisify(execFile);

describe('nginx in front of two hosts on one PostgreSQL (real nginx)', function () {
  this.timeout(180_000);
  let h: Hosts;
  let nginx: RunningNginx;
  let cookie: string;
  let job: number;

  before(async () => {
    h = await startHosts({ workers: 1, settings: { LOCKDOWN: true } });
    const f = await accountFactory(h.database);
    try {
      await f.createUser({ username: 'alice' });
      job = (await initCalcModels(f.db.sequelize).Job.create({ user_name: 'alice', status: 'complete', description: 'through nginx', start_time: new Date() })).id;
    } finally {
      await f.close();
    }
    nginx = await startNginx((port) => twoHostSite(h.a.port, h.b.port, port));
    const res = await nginx.fetch('/accounts/ajax_login/', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'alice', password: GOOD_PASSWORD }).toString(),
    });
    expect(res.status).to.equal(200);
    cookie = cookieHeader(res);
  });

  after(async () => {
    await nginx?.stop();
    await h?.stop();
  });

  /** The GETs a browser of alice's makes, through nginx: their statuses. */
  const round = (): Promise<number[]> => Promise.all(['/v1/calc/list', `/v1/calc/${job}`, '/v1/calc/list?limit=1', `/engine/${job}/outputs`]
    .map(async (path) => (await nginx.fetch(path, { headers: { cookie } })).status));

  /** The access-log lines of a host that carry alice's session (nginx passes the client on). */
  const servedBy = (logDir: string): number => !existsSync(join(logDir, 'access.log')) ? 0 : readFileSync(join(logDir, 'access.log'), 'utf8').split('\n').filter((l) => l.includes(' - alice [')).length;

  it('nginx -t accepts the site with two upstream servers; requests and the session go to both hosts', async () => {
    const { stderr } = await run('nginx', ['-t', '-p', nginx.prefix, '-c', nginx.conf]);
    expect(stderr).to.contain('test is successful');
    for (let i = 0; i < 5; i++) {
      expect(await round()).to.deep.equal([200, 200, 200, 200]);
    }
    // (each host's access lines reach its file through its master, a moment later)
    await waitFor(() => servedBy(h.a.logDir) > 0 && servedBy(h.b.logDir) > 0, 10_000, 'lines in both hosts\' access logs');
  });

  it('host A stopped while GETs are under way: every GET through nginx answers 200', async () => {
    const statuses: number[] = [];
    let going = true;
    const clients = [0, 1, 2].map(async () => {
      while (going) {
        statuses.push(...await round());
      }
    });
    await new Promise((r) => setTimeout(r, 300));
    const stopped = await h.a.stop();
    expect(stopped.code).to.equal(0);
    for (let i = 0; i < 10; i++) {
      statuses.push(...await round());
    }
    going = false;
    await Promise.all(clients);
    expect(statuses.length).to.be.greaterThan(40);
    expect(statuses.filter((s) => s !== 200)).to.deep.equal([]);
  });
});
