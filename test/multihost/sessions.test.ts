/**
 * Two hosts on one PostgreSQL (test/helpers/hosts.ts): a session made on one host is valid on the
 * other, and whatever ends or narrows it on one host (logout, a group membership removed, a new
 * password, a deactivation) is seen by the other at its very next request, though that host's
 * worker had the session and the user's rights in its caches.
 */
import { expect } from 'chai';
import { accountFactory, cookieHeader, GOOD_PASSWORD, login, type AccountFactory } from '../helpers/accounts.js';
import { startHosts, type Hosts } from '../helpers/hosts.js';
import type { RunningServer } from '../helpers/server.js';
import { initCalcModels } from '../../src/db/models/calcs.js';

describe('sessions and revocation across two hosts on one PostgreSQL', function () {
  this.timeout(180_000);
  let h: Hosts;
  let f: AccountFactory;
  const ids: Record<string, number> = {};
  let groupJob: number;

  before(async () => {
    // one worker per host: every request to a host meets the same worker and its caches
    h = await startHosts({ workers: 1, settings: { LOCKDOWN: true, LOGIN_FAILURE_LIMIT: 4 } });
    f = await accountFactory(h.database);
    for (const username of ['root', 'alice', 'bob', 'carol', 'dave']) {
      ids[username] = (await f.createUser({ username, isStaff: username === 'root', isSuperuser: username === 'root', groups: username === 'alice' || username === 'bob' ? ['team'] : [] })).id;
    }
    const { Job } = initCalcModels(f.db.sequelize);
    groupJob = (await Job.create({ user_name: 'alice', status: 'complete', description: 'alice for the team', start_time: new Date() })).id;
  });

  after(async () => {
    await f?.close();
    await h?.stop();
  });

  const status = async (host: RunningServer, cookie: string, path = '/v1/calc/list'): Promise<number> => (await host.fetch(path, { headers: { cookie } })).status;
  const listIds = async (host: RunningServer, cookie: string): Promise<number[]> => {
    const res = await host.fetch('/v1/calc/list', { headers: { cookie } });
    expect(res.status).to.equal(200);
    return ((await res.json()) as { id: number }[]).map((c) => c.id);
  };
  const json = (host: RunningServer, method: string, path: string, cookie: string, body?: unknown): Promise<Response> => host.fetch(path, {
    method,
    headers: { cookie, 'Content-Type': 'application/json', Accept: 'application/json', Origin: host.base },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

  it('the two hosts are two masters with their own pidfiles and ports, on the same database and calculation folder', async () => {
    const [sa, sb] = await Promise.all([h.a.status(), h.b.status()]);
    expect(sa.master.pid).to.not.equal(sb.master.pid);
    expect(h.a.pidfile).to.not.equal(h.b.pidfile);
    expect(h.a.port).to.not.equal(h.b.port);
    expect(h.a.dataDir).to.equal(h.dataDir).and.to.equal(h.b.dataDir);
    // a job written to the database is listed by both
    const root = await login(h.a, 'root');
    expect(await listIds(h.a, root)).to.include(groupJob);
    expect(await listIds(h.b, root)).to.include(groupJob);
  });

  it('a login made on A is valid on B', async () => {
    const cookie = await login(h.a, 'alice');
    expect(await status(h.b, cookie)).to.equal(200);
    expect(await status(h.b, '')).to.equal(403);
  });

  it('a logout on B: the cookie is refused on A at its next request', async () => {
    const cookie = await login(h.a, 'alice');
    // A's worker has the session in its cache
    expect(await status(h.a, cookie)).to.equal(200);
    expect(await status(h.a, cookie)).to.equal(200);
    const out = await json(h.b, 'POST', '/accounts/ajax_logout/', cookie);
    expect(out.status).to.equal(200);
    expect(await status(h.a, cookie)).to.equal(403);
  });

  it('bob removed from the group on A: his next list on B no longer shows the group\'s jobs', async () => {
    const bob = await login(h.b, 'bob');
    expect(await listIds(h.b, bob)).to.include(groupJob);
    const root = await login(h.a, 'root');
    const group = ((await (await json(h.a, 'GET', '/admin/groups', root)).json()) as { id: number; name: string }[]).find((g) => g.name === 'team');
    expect(group).to.not.equal(undefined);
    const removed = await json(h.a, 'DELETE', `/admin/groups/${group?.id}/members/${ids.bob}`, root);
    expect(removed.status).to.equal(200);
    expect(await listIds(h.b, bob)).to.not.include(groupJob);
    // and back: the next list shows it again
    expect((await json(h.a, 'POST', `/admin/groups/${group?.id}/members`, root, { username: 'bob' })).status).to.equal(200);
    expect(await listIds(h.b, bob)).to.include(groupJob);
  });

  it('a password changed on A ends the user\'s other sessions on B at their next request; the new password logs in on B', async () => {
    const onA = await login(h.a, 'carol');
    const onB = await login(h.b, 'carol');
    expect(await status(h.b, onB)).to.equal(200);
    const res = await json(h.a, 'POST', '/accounts/password_change/', onA, { old_password: GOOD_PASSWORD, new_password1: 'Fresh-pass-12', new_password2: 'Fresh-pass-12' });
    expect(res.status).to.equal(200);
    expect(await status(h.b, onB)).to.equal(403);
    // the session that changed it goes on, on either host
    expect(await status(h.b, cookieHeader(res, onA))).to.equal(200);
    await login(h.b, 'carol', 'Fresh-pass-12');
  });

  it('a user deactivated on A is refused on B at the next request, and cannot log in on B', async () => {
    const onB = await login(h.b, 'dave');
    expect(await status(h.b, onB)).to.equal(200);
    const root = await login(h.a, 'root');
    expect((await json(h.a, 'POST', `/admin/users/${ids.dave}/deactivate`, root)).status).to.equal(200);
    expect(await status(h.b, onB)).to.equal(403);
    const again = await h.b.fetch('/accounts/ajax_login/', {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ username: 'dave', password: GOOD_PASSWORD }).toString(),
    });
    expect(again.status).to.equal(403);
  });

  it('login failures are counted over both hosts: the limit is reached by failures spread over A and B', async () => {
    // as nginx would send it: the client's address in X-Forwarded-For (loopback is a trusted proxy)
    const attempt = (host: RunningServer, password: string): Promise<Response> => host.fetch('/accounts/ajax_login/', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Forwarded-For': '203.0.113.7' },
      body: new URLSearchParams({ username: 'alice', password }).toString(),
    });
    const failed = [];
    for (const host of [h.a, h.b, h.a, h.b]) {
      failed.push((await attempt(host, 'wrong-guess')).status);
    }
    expect(failed).to.deep.equal([403, 403, 403, 403]);
    // two failures on each host, four in all: both hosts refuse even the right password now
    for (const host of [h.a, h.b]) {
      const res = await attempt(host, GOOD_PASSWORD);
      expect(res.status).to.equal(429);
      expect(Number(res.headers.get('retry-after'))).to.be.greaterThan(0);
    }
  });
});
