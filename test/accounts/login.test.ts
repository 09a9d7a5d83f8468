import { expect } from 'chai';
import { accountFactory, cookieHeader, GOOD_PASSWORD, lockdownServer, login } from '../helpers/accounts.js';
import { startServer, waitFor, type RunningServer } from '../helpers/server.js';
import { cookieValue, formPost } from './support.js';

/** A JSON answer's fields. */
async function body(res: Response): Promise<{ error?: string; problems?: string[]; success?: string }> {
  return await res.json() as { error?: string; problems?: string[]; success?: string };
}

describe('accounts: logging in and out under LOCKDOWN', function () {
  this.timeout(60_000);
  let server: RunningServer;

  before(async () => {
    ({ server } = await lockdownServer([
      { username: 'alice', email: 'alice@example.com' }, { username: 'bob' }, { username: 'carol' }, { username: 'dave' },
      { username: 'erin' }, { username: 'frank' }, { username: 'gone', isActive: false },
      { username: 'grace', email: 'grace@example.com' }, { username: 'pamuser', password: null, source: 'pam' },
    ]));
  });

  after(async () => {
    await server?.stop();
  });

  const ajaxLogin = (username: string, password: string, headers: Record<string, string> = {}): Promise<Response> =>
    server.fetch('/accounts/ajax_login/', formPost({ username, password }, headers));

  describe('anonymous', () => {
    it('gets 403 with an empty body under /v1/', async () => {
      const res = await server.fetch('/v1/engine_version');
      expect(res.status).to.equal(403);
      expect(await res.text()).to.equal('');
    });

    it('is sent from a page to the login URL with ?next=', async () => {
      const res = await server.fetch('/engine/?a=1', { redirect: 'manual' });
      expect(res.status).to.equal(302);
      expect(res.headers.get('location')).to.equal('/accounts/login/?next=/engine/%3Fa%3D1');
    });

    it('may open the login page (exempt)', async () => {
      const res = await server.fetch('/accounts/login/?next=/engine/');
      expect(res.status).to.equal(200);
      const html = await res.text();
      expect(html).to.contain('name="username"').and.contain('name="password"').and.contain('value="/engine/"');
    });

    it('may not open the password change page', async () => {
      const res = await server.fetch('/accounts/password_change/', { redirect: 'manual' });
      expect(res.status).to.equal(302);
      expect(res.headers.get('location')).to.equal('/accounts/login/?next=/accounts/password_change/');
    });
  });

  describe('ajax_login and ajax_logout (the original\'s codes and texts)', () => {
    it('refuses a wrong password with 403 "Invalid login"', async () => {
      const res = await ajaxLogin('alice', 'not-the-password');
      expect(res.status).to.equal(403);
      expect(await res.text()).to.equal('Invalid login');
      expect(res.headers.getSetCookie()).to.deep.equal([]);
    });

    it('refuses an unknown user with the same 403 "Invalid login"', async () => {
      const res = await ajaxLogin('nobody-here', GOOD_PASSWORD);
      expect(res.status).to.equal(403);
      expect(await res.text()).to.equal('Invalid login');
    });

    it('refuses a disabled account (right password) with 403 "Disabled account"', async () => {
      const res = await ajaxLogin('gone', GOOD_PASSWORD);
      expect(res.status).to.equal(403);
      expect(await res.text()).to.equal('Disabled account');
    });

    it('answers 405 to a GET', async () => {
      expect((await server.fetch('/accounts/ajax_login/')).status).to.equal(405);
    });

    it('logs in with 200 "Successful login" and a signed, HttpOnly, SameSite=Lax session cookie (not Secure over http)', async () => {
      const res = await ajaxLogin('alice', GOOD_PASSWORD);
      expect(res.status).to.equal(200);
      expect(await res.text()).to.equal('Successful login');
      const setCookies = res.headers.getSetCookie();
      const session = setCookies.find((c) => c.startsWith('sessionid='));
      expect(session).to.match(/; httponly/i).and.match(/; samesite=lax/i).and.match(/; path=\//);
      expect(session).not.to.match(/; secure/i);
      expect(setCookies.some((c) => c.startsWith('sessionid.sig='))).to.equal(true);
      // expires after SESSION_COOKIE_AGE (two weeks by default)
      const expires = Date.parse(/expires=([^;]+)/i.exec(session ?? '')?.[1] ?? '');
      expect(Math.abs(expires - (Date.now() + 14 * 24 * 3600 * 1000))).to.be.below(60_000);
      const cookie = cookieHeader(res);
      const ok = await server.fetch('/v1/engine_version', { headers: { cookie } });
      expect(ok.status).to.equal(200);
    });

    it('upgrades a weaker stored hash to 600,000 iterations at the login', async () => {
      const f = await accountFactory(server);
      try {
        const before = await f.db.models.User.findOne({ where: { username: 'bob' } });
        expect(before?.password).to.match(/^pbkdf2_sha256\$1000\$/);
        await login(server, 'bob');
        const after = await f.db.models.User.findOne({ where: { username: 'bob' } });
        expect(after?.password).to.match(/^pbkdf2_sha256\$600000\$/);
        expect(after?.lastLogin).to.be.an.instanceOf(Date);
      } finally {
        await f.close();
      }
    });

    it('refuses a cookie whose signature was tampered with', async () => {
      const cookie = await login(server, 'carol');
      const forged = cookie.replace(/sessionid\.sig=[^;]+/, 'sessionid.sig=AAAAAAAAAAAAAAAAAAAAAAAAAAA');
      expect((await server.fetch('/v1/engine_version', { headers: { cookie: forged } })).status).to.equal(403);
    });

    it('gives a fresh session id at each login, and the previous one stops working', async () => {
      const first = await login(server, 'dave');
      const res = await ajaxLogin('dave', GOOD_PASSWORD, { cookie: first });
      expect(res.status).to.equal(200);
      const second = cookieHeader(res, first);
      expect(cookieValue(second, 'sessionid')).to.be.a('string').and.not.equal(cookieValue(first, 'sessionid'));
      expect((await server.fetch('/v1/engine_version', { headers: { cookie: second } })).status).to.equal(200);
      expect((await server.fetch('/v1/engine_version', { headers: { cookie: first } })).status).to.equal(403);
    });

    it('logs out with 200 "Successful logout", and the old cookie replayed is refused', async () => {
      const cookie = await login(server, 'erin');
      const res = await server.fetch('/accounts/ajax_logout/', { method: 'POST', headers: { cookie } });
      expect(res.status).to.equal(200);
      expect(await res.text()).to.equal('Successful logout');
      expect(res.headers.getSetCookie().find((c) => c.startsWith('sessionid='))).to.match(/^sessionid=;.*expires=Thu, 01 Jan 1970/i);
      const replay = await server.fetch('/v1/engine_version', { headers: { cookie } });
      expect(replay.status).to.equal(403);
    });

    it('refuses a session past its expiry', async () => {
      const cookie = await login(server, 'frank');
      const f = await accountFactory(server);
      try {
        await f.db.models.SessionRow.update({ expiresAt: Date.now() - 1000 }, { where: { sid: decodeURIComponent(cookieValue(cookie, 'sessionid') ?? '') } });
      } finally {
        await f.close();
      }
      expect((await server.fetch('/v1/engine_version', { headers: { cookie } })).status).to.equal(403);
    });
  });

  describe('the login and logout pages', () => {
    it('redisplays the form with Django\'s message after a wrong password', async () => {
      const res = await server.fetch('/accounts/login/', formPost({ username: 'alice', password: 'wrong-wrong', next: '/engine/' }));
      expect(res.status).to.equal(200);
      expect(await res.text()).to.contain('Please enter a correct username and password. Note that both fields may be case-sensitive.');
    });

    it('goes to ?next= after a successful login, and only within this site', async () => {
      const res = await server.fetch('/accounts/login/', formPost({ username: 'alice', password: GOOD_PASSWORD, next: '/engine/42/outputs' }));
      expect(res.status).to.equal(302);
      expect(res.headers.get('location')).to.equal('/engine/42/outputs');
      const evil = await server.fetch('/accounts/login/', formPost({ username: 'alice', password: GOOD_PASSWORD, next: '//evil.example/' }));
      expect(evil.headers.get('location')).to.equal('/engine/');
    });

    it('logs out with a POST to /accounts/logout/, going to LOGOUT_REDIRECT_URL', async () => {
      const cookie = await login(server, 'alice');
      const page = await server.fetch('/accounts/logout/', { headers: { cookie } });
      expect(page.status).to.equal(200);
      expect(await page.text()).to.contain('method="post"');
      const res = await server.fetch('/accounts/logout/', { method: 'POST', redirect: 'manual', headers: { cookie } });
      expect(res.status).to.equal(302);
      expect(res.headers.get('location')).to.equal('/accounts/login/');
      expect((await server.fetch('/v1/engine_version', { headers: { cookie } })).status).to.equal(403);
    });
  });

  describe('cross-site requests', () => {
    it('refuses a state-changing request with the session cookie and another site\'s Origin (403), leaving the session alone', async () => {
      const cookie = await login(server, 'carol');
      const res = await server.fetch('/accounts/ajax_logout/', { method: 'POST', headers: { cookie, Origin: 'http://evil.example' } });
      expect(res.status).to.equal(403);
      expect((await server.fetch('/v1/engine_version', { headers: { cookie } })).status).to.equal(200);
      const byReferer = await server.fetch('/accounts/ajax_logout/', { method: 'POST', headers: { cookie, Referer: 'https://evil.example/page' } });
      expect(byReferer.status).to.equal(403);
      const opaque = await server.fetch('/accounts/ajax_logout/', { method: 'POST', headers: { cookie, Origin: 'null' } });
      expect(opaque.status).to.equal(403);
    });

    it('accepts the same request from this site\'s own pages', async () => {
      const cookie = await login(server, 'carol');
      const res = await server.fetch('/accounts/ajax_logout/', { method: 'POST', headers: { cookie, Origin: server.base, Referer: `${server.base}/engine/` } });
      expect(res.status).to.equal(200);
    });
  });

  describe('password_change', () => {
    const change = (cookie: string, fields: Record<string, string>): Promise<Response> =>
      server.fetch('/accounts/password_change/', { method: 'POST', headers: { cookie, 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(fields) });

    it('refuses a wrong old password, mismatched new ones, and a new one breaking a rule (naming the rule)', async () => {
      const cookie = await login(server, 'grace');
      let res = await change(cookie, { old_password: 'wrong-one-x', new_password1: 'Fresh-pass-12', new_password2: 'Fresh-pass-12' });
      expect(res.status).to.equal(400);
      expect((await body(res)).error).to.equal('Your old password was entered incorrectly. Please enter it again.');
      res = await change(cookie, { old_password: GOOD_PASSWORD, new_password1: 'Fresh-pass-12', new_password2: 'Fresh-pass-13' });
      expect((await body(res)).error).to.equal('The two password fields didn’t match.');
      res = await change(cookie, { old_password: GOOD_PASSWORD, new_password1: 'grace_99', new_password2: 'grace_99' });
      expect(res.status).to.equal(400);
      expect((await body(res)).problems).to.deep.equal(['The password is too similar to the username.']);
      res = await change(cookie, { old_password: GOOD_PASSWORD, new_password1: '12345678', new_password2: '12345678' });
      expect((await body(res)).problems).to.include.members(['This password is too common.', 'This password is entirely numeric.']);
    });

    it('changes the password: this session goes on, the user\'s other sessions end, the new password logs in', async () => {
      const mine = await login(server, 'grace');
      const other = await login(server, 'grace');
      const res = await change(mine, { old_password: GOOD_PASSWORD, new_password1: 'Fresh-pass-12', new_password2: 'Fresh-pass-12' });
      expect(res.status).to.equal(200);
      expect(await body(res)).to.deep.equal({ success: 'Your password was changed.' });
      const now = cookieHeader(res, mine);
      expect((await server.fetch('/v1/engine_version', { headers: { cookie: now } })).status).to.equal(200);
      expect((await server.fetch('/v1/engine_version', { headers: { cookie: other } })).status).to.equal(403);
      expect((await server.fetch('/accounts/ajax_login/', formPost({ username: 'grace', password: GOOD_PASSWORD }))).status).to.equal(403);
      await login(server, 'grace', 'Fresh-pass-12');
    });

    it('works from the plain form too, redirecting to password_change/done/', async () => {
      const cookie = await login(server, 'grace', 'Fresh-pass-12');
      const res = await server.fetch('/accounts/password_change/', formPost({ old_password: 'Fresh-pass-12', new_password1: 'Fresh-pass-34', new_password2: 'Fresh-pass-34' }, { cookie }));
      expect(res.status).to.equal(302);
      expect(res.headers.get('location')).to.equal('/accounts/password_change/done/');
    });

    it('tells a PAM user that their password is the system\'s', async () => {
      const f = await accountFactory(server);
      let cookie = '';
      try {
        // a session made directly: PAM itself is tested in pam.test.ts
        const user = await f.db.models.User.findOne({ where: { username: 'pamuser' } });
        cookie = await login(server, 'alice');
        const sid = decodeURIComponent(cookieValue(cookie, 'sessionid') ?? '');
        const row = await f.db.models.SessionRow.findByPk(sid);
        await f.db.models.SessionRow.update({ userId: user?.id, data: row?.data.replace(/"uid":\d+/, `"uid":${user?.id}`) }, { where: { sid } });
      } finally {
        await f.close();
      }
      const res = await change(cookie, { old_password: 'x', new_password1: 'Fresh-pass-12', new_password2: 'Fresh-pass-12' });
      expect(res.status).to.equal(400);
      expect((await body(res)).error).to.match(/managed by the system \(PAM\)/);
    });
  });

  describe('the session outlives worker processes', () => {
    it('still works after every worker was SIGKILLed and replaced, and after a HUP reload', async () => {
      const cookie = await login(server, 'alice');
      const old = await server.readyWorkers();
      for (const pid of old) {
        process.kill(pid, 'SIGKILL');
      }
      await waitFor(async () => {
        const now = await server.readyWorkers();
        return now.length === 2 && now.every((p) => !old.includes(p));
      }, 20_000, 'replacement workers');
      expect((await server.fetch('/v1/engine_version', { headers: { cookie, connection: 'close' } })).status).to.equal(200);
      const beforeHup = await server.readyWorkers();
      server.signal('SIGHUP');
      await waitFor(async () => {
        const now = await server.readyWorkers();
        return now.length === 2 && now.every((p) => !beforeHup.includes(p));
      }, 20_000, 'reloaded workers');
      expect((await server.fetch('/v1/engine_version', { headers: { cookie, connection: 'close' } })).status).to.equal(200);
    });
  });
});

describe('accounts under WEBUI_PATHPREFIX', function () {
  this.timeout(60_000);
  let server: RunningServer;
  before(async () => {
    server = await startServer({ workers: 1, settings: { LOCKDOWN: true, WEBUI_PATHPREFIX: '/webui' } });
    const f = await accountFactory(server);
    try {
      await f.createUser({ username: 'root', isSuperuser: true });
    } finally {
      await f.close();
    }
  });
  after(async () => {
    await server?.stop();
  });

  it('puts the login routes, the redirects and the cookie path under the prefix', async () => {
    expect((await server.fetch('/webui/v1/engine_version')).status).to.equal(403);
    const page = await server.fetch('/webui/engine/', { redirect: 'manual' });
    expect(page.headers.get('location')).to.equal('/webui/accounts/login/?next=/webui/engine/');
    expect((await server.fetch('/webui/accounts/login/')).status).to.equal(200);
    const res = await server.fetch('/webui/accounts/ajax_login/', formPost({ username: 'root', password: GOOD_PASSWORD }));
    expect(res.status).to.equal(200);
    expect(res.headers.getSetCookie().find((c) => c.startsWith('sessionid='))).to.match(/; path=\/webui;/);
    const cookie = cookieHeader(res);
    expect((await server.fetch('/webui/admin/users', { headers: { cookie } })).status).to.equal(200);
    // without the prefix, nothing is served: an anonymous caller is just sent to the login page
    const bare = await server.fetch('/accounts/login/', { redirect: 'manual' });
    expect(bare.headers.get('location')).to.equal('/webui/accounts/login/?next=/accounts/login/');
    expect((await server.fetch('/accounts/login/', { headers: { cookie } })).status).to.equal(404);
  });
});
