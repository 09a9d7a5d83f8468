import { expect } from 'chai';
import { accountFactory, cookieHeader, GOOD_PASSWORD, lockdownServer } from '../helpers/accounts.js';
import type { RunningServer } from '../helpers/server.js';
import { formPost, jsonRequest, messageOf, newAccessLines } from './support.js';

const USERS = 16;

describe('8 workers logging in and writing at the same moment (one SQLite file)', function () {
  this.timeout(120_000);
  let server: RunningServer;
  const cookies: Record<string, string> = {};
  let ids: Record<string, number> = {};

  before(async () => {
    ({ server, ids } = await lockdownServer([
      { username: 'root', isSuperuser: true, isStaff: true }, { username: 'root2', isSuperuser: true, isStaff: true },
      ...Array.from({ length: USERS }, (_, i) => ({ username: `u${i}` })),
    ], { workers: 8, settings: { LOGIN_FAILURE_LIMIT: 0 } }));
  });

  after(async () => {
    await server?.stop();
  });

  /** A request on a connection of its own, so that the kernel hands them to different workers. */
  const send = async (path: string, init: RequestInit): Promise<{ status: number; text: string; res: Response }> => {
    const res = await server.fetch(path, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), Connection: 'close' } });
    return { status: res.status, text: await res.text(), res };
  };

  it('logs everybody in at once', async () => {
    const names = ['root', 'root2', ...Array.from({ length: USERS }, (_, i) => `u${i}`)];
    const results = await Promise.all(names.map((u) => send('/accounts/ajax_login/', formPost({ username: u, password: GOOD_PASSWORD }))));
    expect(results.map((r) => `${r.status} ${r.text}`)).to.deep.equal(names.map(() => '200 Successful login'));
    names.forEach((u, i) => { cookies[u] = cookieHeader(results[i].res); });
  });

  it('serves concurrent password changes, admin writes and logins without an error reaching a client', async () => {
    const work: Array<Promise<[string, number, string]>> = [];
    const track = (what: string, p: Promise<{ status: number; text: string }>): void => {
      work.push(p.then((r) => [what, r.status, r.text]));
    };
    for (let i = 0; i < USERS; i += 1) {
      track(`password_change u${i}`, send('/accounts/password_change/', jsonRequest('POST', { old_password: GOOD_PASSWORD, new_password1: `New-pass-${i}-x`, new_password2: `New-pass-${i}-x` }, cookies[`u${i}`])));
      track(`email u${i}`, send(`/admin/users/${ids[`u${i}`]}`, jsonRequest('PATCH', { email: `u${i}@example.com` }, cookies.root)));
    }
    for (let g = 0; g < 40; g += 1) {
      track(`group g${g}`, send('/admin/groups', jsonRequest('POST', { name: `g${g}` }, cookies[g % 2 ? 'root' : 'root2'])));
    }
    for (let i = 0; i < 8; i += 1) {
      track(`login root2 #${i}`, send('/accounts/ajax_login/', formPost({ username: 'root2', password: GOOD_PASSWORD })));
    }
    const results = await Promise.all(work);
    const unexpected = results.filter(([what, status]) => status !== (what.startsWith('group') ? 201 : 200));
    expect(unexpected).to.deep.equal([]);
    // then everybody into groups, all at once
    const groups = JSON.parse((await send('/admin/groups', jsonRequest('GET', undefined, cookies.root))).text) as Array<{ id: number; name: string }>;
    expect(groups).to.have.length(40);
    const adds = await Promise.all(groups.flatMap((g, k) => [0, 1, 2].map((j) => send(`/admin/groups/${g.id}/members`, jsonRequest('POST', { username: `u${(k + j) % USERS}` }, cookies.root)))));
    expect(adds.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.text}`)).to.deep.equal([]);
    const users = JSON.parse((await send('/admin/users', jsonRequest('GET', undefined, cookies.root))).text) as Array<{ username: string; email: string; groups: string[] }>;
    for (let i = 0; i < USERS; i += 1) {
      expect(users.find((x) => x.username === `u${i}`)?.email).to.equal(`u${i}@example.com`);
    }
    expect(users.reduce((n, u) => n + u.groups.length, 0)).to.equal(40 * 3);
    for (let i = 0; i < USERS; i += 1) {
      // the password changes took: the old passwords no longer log in
      expect((await send('/accounts/ajax_login/', formPost({ username: `u${i}`, password: GOOD_PASSWORD }))).status).to.equal(403);
    }
    const busyWorkers = ((await server.status()).children as Array<{ kind: string; requests: number }>).filter((c) => c.kind === 'web' && c.requests > 0);
    expect(busyWorkers.length).to.be.at.least(2);
  });

  it('lets exactly one of two superusers who disable each other at the same moment succeed', async () => {
    const [a, b] = await Promise.all([
      send(`/admin/users/${ids.root2}/deactivate`, jsonRequest('POST', undefined, cookies.root)),
      send(`/admin/users/${ids.root}/deactivate`, jsonRequest('POST', undefined, cookies.root2)),
    ]);
    // the loser is refused as the last superuser (409), or finds itself already disabled and
    // logged out (its session is dropped: 302 to the login page)
    const statuses = [a.status, b.status].sort();
    expect(statuses[0]).to.equal(200);
    expect([302, 409]).to.include(statuses[1]);
    const f = await accountFactory(server);
    try {
      expect(await f.db.models.User.count({ where: { isSuperuser: true, isActive: true } })).to.equal(1);
    } finally {
      await f.close();
    }
  });

  it('never let SQLITE_BUSY or another server error reach a client or the server log', () => {
    expect(server.output()).not.to.match(/SQLITE_BUSY|database is locked|failed: /);
  });

  it('wrote one whole webui-access.log line per login attempt, from every worker, none torn or lost', async () => {
    // 18 + 8 logins, then 16 refused old passwords
    const lines = await newAccessLines(server, 0, 18 + 8 + 16);
    for (const line of lines) {
      expect(messageOf(line).message).to.match(/^User "(root2?|u\d+)" \(IP: 127\.0\.0\.1\) (logged in|failed to log in) through page None( \(incorrect password\))?$/);
    }
    expect(lines).to.have.length(18 + 8 + 16);
    expect(lines.filter((l) => l.includes('logged in'))).to.have.length(18 + 8);
    expect(lines.filter((l) => l.includes('(incorrect password)'))).to.have.length(16);
  });
});
