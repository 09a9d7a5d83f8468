import { expect } from 'chai';
import { GOOD_PASSWORD, lockdownServer, login } from '../helpers/accounts.js';
import { freePort, startServer, type RunningServer } from '../helpers/server.js';
import { formPost, jsonRequest } from '../accounts/support.js';

type Json = Record<string, unknown> & { error?: string; problems?: string[] };

describe('admin routes: users and groups (JSON, LOCKDOWN on)', function () {
  this.timeout(60_000);
  let server: RunningServer;
  let cookies: Record<string, string> = {};
  let ids: Record<string, number> = {};

  before(async () => {
    ({ server, ids, cookies } = await lockdownServer([
      { username: 'root', isSuperuser: true, isStaff: true }, { username: 'sam', isStaff: true }, { username: 'pat' },
      { username: 'victim' }, { username: 'otherstaff', isStaff: true },
    ], { loginAs: ['root', 'sam', 'pat', 'victim'] }));
  });

  after(async () => {
    await server?.stop();
  });

  const call = async (who: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> => {
    const res = await server.fetch(path, jsonRequest(method, body, cookies[who] ?? ''));
    const text = await res.text();
    return { status: res.status, json: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : {}) as Json };
  };

  describe('anonymous', () => {
    it('is sent to the login page', async () => {
      const res = await server.fetch('/admin/users', { redirect: 'manual' });
      expect(res.status).to.equal(302);
      expect(res.headers.get('location')).to.equal('/accounts/login/?next=/admin/users');
    });
  });

  describe('forbidden', () => {
    it('refuses a user who is neither staff nor superuser (403), for reading and writing', async () => {
      for (const [method, path] of [['GET', '/admin/users'], ['GET', '/admin/groups'], ['POST', '/admin/groups'], ['DELETE', `/admin/users/${ids.victim}`]]) {
        const r = await call('pat', method, path, method === 'GET' || method === 'DELETE' ? undefined : { name: 'x' });
        expect(r.status, `${method} ${path}`).to.equal(403);
        expect(r.json.error).to.equal('You are not allowed to administer users and groups');
      }
    });

    it('refuses staff who try to grant or take away staff or superuser status', async () => {
      let r = await call('sam', 'POST', '/admin/users', { username: 'wannabe', password: 'Fresh-pass-12', is_staff: true });
      expect(r.status).to.equal(403);
      expect(r.json.error).to.equal('Only a superuser may grant or take away staff or superuser status.');
      r = await call('sam', 'PATCH', `/admin/users/${ids.pat}`, { is_superuser: true });
      expect(r.status).to.equal(403);
      r = await call('sam', 'PATCH', `/admin/users/${ids.sam}`, { is_superuser: true });
      expect(r.status).to.equal(403);
    });

    it('refuses staff who try to change or delete a staff or superuser account', async () => {
      for (const [method, path, body] of [
        ['PATCH', `/admin/users/${ids.root}`, { password: 'Fresh-pass-12' }],
        ['POST', `/admin/users/${ids.otherstaff}/deactivate`, undefined],
        ['DELETE', `/admin/users/${ids.root}`, undefined],
      ] as const) {
        const r = await call('sam', method, path, body);
        expect(r.status, `${method} ${path}`).to.equal(403);
        expect(r.json.error).to.equal('Only a superuser may change a staff or superuser account.');
      }
    });

    it('refuses removing the last active superuser (409), by deactivation, demotion or deletion', async () => {
      for (const [method, path, body] of [
        ['POST', `/admin/users/${ids.root}/deactivate`, undefined],
        ['PATCH', `/admin/users/${ids.root}`, { is_superuser: false }],
        ['PATCH', `/admin/users/${ids.root}`, { is_active: false }],
        ['DELETE', `/admin/users/${ids.root}`, undefined],
      ] as const) {
        const r = await call('root', method, path, body);
        expect(r.status, `${method} ${path}`).to.equal(409);
        expect(r.json.error).to.equal('Cannot remove the last active superuser.');
      }
      expect((await call('root', 'GET', `/admin/users/${ids.root}`)).json).to.include({ is_active: true, is_superuser: true });
    });
  });

  describe('allowed', () => {
    it('lets staff list users, without password hashes', async () => {
      const r = await call('sam', 'GET', '/admin/users');
      expect(r.status).to.equal(200);
      const users = r.json as unknown as Json[];
      expect(users.map((u) => u.username)).to.include.members(['root', 'sam', 'pat']);
      expect(Object.keys(users[0]).sort()).to.deep.equal(['date_joined', 'email', 'groups', 'has_password', 'id', 'is_active', 'is_staff', 'is_superuser', 'last_login', 'level', 'source', 'username']);
      expect(JSON.stringify(users)).not.to.contain('pbkdf2');
    });

    it('lets staff create a user, refusing a weak password (naming the rule), a bad username and a taken one', async () => {
      let r = await call('sam', 'POST', '/admin/users', { username: 'newbie', password: 'newbie12' });
      expect(r.status).to.equal(400);
      expect(r.json.problems).to.deep.equal(['The password is too similar to the username.']);
      r = await call('sam', 'POST', '/admin/users', { username: 'new bie', password: 'Fresh-pass-12' });
      expect(r.status).to.equal(400);
      expect(r.json.error).to.match(/^Enter a valid username/);
      r = await call('sam', 'POST', '/admin/users', { username: 'newbie', email: 'n@example.com', password: 'Fresh-pass-12', groups: [] });
      expect(r.status).to.equal(201);
      expect(r.json).to.include({ username: 'newbie', email: 'n@example.com', is_staff: false, is_superuser: false, is_active: true, has_password: true });
      ids.newbie = r.json.id as number;
      r = await call('sam', 'POST', '/admin/users', { username: 'newbie', password: 'Fresh-pass-12' });
      expect(r.status).to.equal(409);
      expect(r.json.error).to.equal('A user with that username already exists.');
      await server.waitForOutput(/Admin "sam" created user "newbie" \(staff: no, superuser: no, active: yes, password: yes, level: 2, groups: none\)/);
    });

    it('lets staff set a plain user\'s email and password; the new password logs in', async () => {
      const r = await call('sam', 'PATCH', `/admin/users/${ids.newbie}`, { email: 'newbie@example.com', password: 'Other-pass-34' });
      expect(r.status).to.equal(200);
      expect(r.json.email).to.equal('newbie@example.com');
      cookies.newbie = await login(server, 'newbie', 'Other-pass-34');
      await server.waitForOutput(/Admin "sam" updated user "newbie" \(email=newbie@example.com, password\)/);
    });

    it('deactivating a user ends their sessions and refuses their logins as a disabled account', async () => {
      const r = await call('sam', 'POST', `/admin/users/${ids.newbie}/deactivate`);
      expect(r.status).to.equal(200);
      expect(r.json.is_active).to.equal(false);
      expect((await server.fetch('/v1/engine_version', { headers: { cookie: cookies.newbie } })).status).to.equal(403);
      const res = await server.fetch('/accounts/ajax_login/', formPost({ username: 'newbie', password: 'Other-pass-34' }));
      expect(await res.text()).to.equal('Disabled account');
      await server.waitForOutput(/Admin "sam" deactivated user "newbie"/);
    });

    it('deleting a user ends their sessions', async () => {
      const r = await call('sam', 'DELETE', `/admin/users/${ids.victim}`);
      expect(r.status).to.equal(200);
      expect((await call('sam', 'GET', `/admin/users/${ids.victim}`)).status).to.equal(404);
      expect((await server.fetch('/v1/engine_version', { headers: { cookie: cookies.victim } })).status).to.equal(403);
      await server.waitForOutput(/Admin "sam" deleted user "victim"/);
    });

    it('lets a superuser grant and take away staff and superuser status, and remove a superuser who is not the last', async () => {
      let r = await call('root', 'PATCH', `/admin/users/${ids.pat}`, { is_staff: true, is_superuser: true });
      expect(r.status).to.equal(200);
      expect(r.json).to.include({ is_staff: true, is_superuser: true });
      r = await call('root', 'PATCH', `/admin/users/${ids.pat}`, { is_superuser: false, is_staff: false });
      expect(r.json).to.include({ is_staff: false, is_superuser: false });
      r = await call('root', 'POST', '/admin/users', { username: 'root2', password: 'Fresh-pass-12', is_superuser: true, is_staff: true });
      expect(r.status).to.equal(201);
      r = await call('root', 'DELETE', `/admin/users/${r.json.id as number}`);
      expect(r.status).to.equal(200);
      await server.waitForOutput(/Admin "root" updated user "pat" \(is_staff=true, is_superuser=true\)/);
    });

    it('refuses NUL bytes and other control characters in user, group and member names: 400 naming the field', async () => {
      const group = await call('sam', 'POST', '/admin/groups', { name: 'nul-test' });
      expect(group.status).to.equal(201);
      const gid = group.json.id as number;
      for (const [method, path, body, field] of [
        ['POST', '/admin/users', { username: 'nul\u0000user', password: 'Fresh-pass-12' }, 'username'],
        ['POST', '/admin/users', { username: 'nuluser', password: 'Fresh-pass-12', groups: ['nul-test\u0000'] }, 'groups.0'],
        ['POST', '/admin/groups', { name: 'te\u0000am' }, 'name'],
        ['PATCH', `/admin/groups/${gid}`, { name: 'line\nbreak' }, 'name'],
        ['POST', `/admin/groups/${gid}/members`, { username: 'pat\u0000' }, 'username'],
        ['PATCH', `/admin/users/${ids.pat}`, { email: 'p\u0000@example.com' }, 'email'],
      ] as const) {
        const r = await call('sam', method, path, body);
        expect(r.status, `${method} ${path} ${JSON.stringify(body)}`).to.equal(400);
        expect(r.json.error).to.match(new RegExp(`^Invalid body: ${field.replace('.', '\\.')}: `));
      }
      expect((await call('sam', 'GET', `/admin/groups/${gid}`)).json).to.deep.equal({ id: gid, name: 'nul-test', members: [] });
      expect((await call('sam', 'DELETE', `/admin/groups/${gid}`)).status).to.equal(200);
    });

    it('lets staff create, rename and delete groups, and add and remove members', async () => {
      let r = await call('sam', 'POST', '/admin/groups', { name: 'team' });
      expect(r.status).to.equal(201);
      const gid = r.json.id as number;
      expect((await call('sam', 'POST', '/admin/groups', { name: 'team' })).status).to.equal(409);
      expect((await call('sam', 'POST', '/admin/groups', { name: '  ' })).status).to.equal(400);
      r = await call('sam', 'PATCH', `/admin/groups/${gid}`, { name: 'hazard-team' });
      expect(r.json).to.deep.equal({ id: gid, name: 'hazard-team', members: [] });
      r = await call('sam', 'POST', `/admin/groups/${gid}/members`, { username: 'pat' });
      expect(r.json.members).to.deep.equal([{ id: ids.pat, username: 'pat' }]);
      r = await call('sam', 'POST', `/admin/groups/${gid}/members`, { user_id: ids.sam });
      expect((r.json.members as Json[]).map((m) => m.username)).to.deep.equal(['pat', 'sam']);
      expect((await call('sam', 'POST', `/admin/groups/${gid}/members`, { username: 'nobody' })).status).to.equal(404);
      expect((await call('sam', 'GET', `/admin/users/${ids.pat}`)).json.groups).to.deep.equal(['hazard-team']);
      const list = (await call('sam', 'GET', '/admin/groups')).json as unknown as Json[];
      expect(list.find((g) => g.id === gid)?.members).to.have.length(2);
      r = await call('sam', 'DELETE', `/admin/groups/${gid}/members/${ids.pat}`);
      expect(r.json.members).to.deep.equal([{ id: ids.sam, username: 'sam' }]);
      expect((await call('sam', 'DELETE', `/admin/groups/${gid}`)).status).to.equal(200);
      expect((await call('sam', 'GET', `/admin/groups/${gid}`)).status).to.equal(404);
      for (const re of [/Admin "sam" created group "team"/, /Admin "sam" renamed group "team" to "hazard-team"/,
        /Admin "sam" added user "pat" to group "hazard-team"/, /Admin "sam" removed user "pat" from group "hazard-team"/,
        /Admin "sam" deleted group "hazard-team"/]) {
        await server.waitForOutput(re);
      }
    });
  });
});

describe('with LOCKDOWN off', function () {
  this.timeout(60_000);
  let server: RunningServer;
  before(async () => {
    const port = await freePort();
    server = await startServer({ workers: 1, port, bind: [`0.0.0.0:${port}`], settings: { DEFAULT_USER: 'operator' } });
  });
  after(async () => {
    await server?.stop();
  });

  it('warns loudly at start when bound to a non-loopback address', () => {
    expect(server.output()).to.contain(`LOCKDOWN is off and the server listens on 0.0.0.0:${server.port}: ANYONE WHO CAN REACH IT`)
      .and.contain('CAN RUN AND DELETE CALCULATIONS.');
  });

  it('there is no /admin and no /accounts (404), and every caller acts as DEFAULT_USER', async () => {
    for (const path of ['/admin/users', '/admin/', '/accounts/login/']) {
      expect((await server.fetch(path)).status, path).to.equal(404);
    }
    expect((await server.fetch('/accounts/ajax_login/', formPost({ username: 'a', password: GOOD_PASSWORD }))).status).to.equal(404);
    expect((await server.fetch('/v1/engine_version')).status).to.equal(200);
    const { readFileSync } = await import('node:fs');
    const { waitFor } = await import('../helpers/server.js');
    await waitFor(() => /"GET \/v1\/engine_version HTTP\/1\.1" 200/.test(readFileSync(`${server.logDir}/access.log`, 'utf8')), 5000, 'the access log line');
    expect(readFileSync(`${server.logDir}/access.log`, 'utf8')).to.match(/ operator \[[^\]]+\] "GET \/v1\/engine_version/);
  });
});
