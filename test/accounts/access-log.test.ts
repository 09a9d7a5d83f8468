import { expect } from 'chai';
import { accountFactory, GOOD_PASSWORD, login } from '../helpers/accounts.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { accessLogLines, formPost, messageOf, newAccessLines } from './support.js';

/** Makes the accounts every server of this file uses. */
async function seed(server: RunningServer): Promise<void> {
  const f = await accountFactory(server);
  try {
    await f.createUser({ username: 'alice' });
    await f.createUser({ username: 'bob' });
    await f.createUser({ username: 'locked', isActive: false });
  } finally {
    await f.close();
  }
}

/** Runs `act` and returns the webui-access.log lines it added, as {level, message}. */
async function logged(server: RunningServer, count: number, act: () => Promise<unknown>): Promise<Array<{ level: string; message: string }>> {
  const before = accessLogLines(server).length;
  await act();
  return (await newAccessLines(server, before, count)).map(messageOf);
}

describe('webui-access.log (the file Fail2Ban reads)', function () {
  this.timeout(60_000);

  describe('without a reverse proxy: the IP is the peer, X-Forwarded-For is ignored', () => {
    let server: RunningServer;
    let page: string;
    before(async () => {
      server = await startServer({ workers: 2, settings: { LOCKDOWN: true } });
      await seed(server);
      page = `${server.base}/accounts/login/`;
    });
    after(async () => {
      await server?.stop();
    });
    const attempt = (username: string, password: string, headers: Record<string, string> = {}): Promise<Response> =>
      server.fetch('/accounts/ajax_login/', formPost({ username, password }, { Referer: page, 'X-Forwarded-For': '203.0.113.50', ...headers }));

    it('logs a login, in the original\'s line format', async () => {
      const [line] = await logged(server, 1, () => attempt('alice', GOOD_PASSWORD));
      expect(line).to.deep.equal({ level: 'INFO', message: `User "alice" (IP: 127.0.0.1) logged in through page ${page}` });
    });

    it('logs a wrong password', async () => {
      const [line] = await logged(server, 1, () => attempt('alice', 'not-it-at-all'));
      expect(line).to.deep.equal({ level: 'WARNING', message: `User "alice" (IP: 127.0.0.1) failed to log in through page ${page} (incorrect password)` });
    });

    it('logs an unknown username', async () => {
      const [line] = await logged(server, 1, () => attempt('mallory', GOOD_PASSWORD));
      expect(line).to.deep.equal({ level: 'WARNING', message: `User "mallory" (IP: 127.0.0.1) failed to log in through page ${page} (the username does not exist)` });
    });

    it('logs a disabled account', async () => {
      const [line] = await logged(server, 1, () => attempt('locked', GOOD_PASSWORD));
      expect(line).to.deep.equal({ level: 'WARNING', message: `User "locked" (IP: 127.0.0.1) failed to log in through page ${page} (disabled account)` });
    });

    it('logs a logout, and writes "None" when there is no Referer (as Python prints it)', async () => {
      const lines = await logged(server, 2, async () => {
        const cookie = await login(server, 'bob');
        await server.fetch('/accounts/ajax_logout/', { method: 'POST', headers: { cookie } });
      });
      expect(lines).to.deep.equal([
        { level: 'INFO', message: 'User "bob" (IP: 127.0.0.1) logged in through page None' },
        { level: 'INFO', message: 'User "bob" (IP: 127.0.0.1) logged out through page None' },
      ]);
    });

    it('percent-encodes a username or referer that tries to fake a second "(IP: ...)"', async () => {
      // (a Referer of this site: a login from another site's page is refused before any check)
      const [line] = await logged(server, 1, () => attempt('x" (IP: 6.6.6.6) failed', 'pw-pw-pw-pw', { Referer: `${server.base}/ (IP: 7.7.7.7) failed` }));
      expect(line.message).to.equal(`User "x%22%20%28IP%3A%206.6.6.6%29%20failed" (IP: 127.0.0.1) failed to log in through page ${server.base}/%20%28IP:%207.7.7.7%29%20failed (the username does not exist)`);
      expect(line.message.match(/\(IP: /g)).to.have.length(1);
    });

    it('ignores X-Forwarded-Proto for the cookie: not Secure over plain http', async () => {
      let res = new Response();
      await logged(server, 1, async () => {
        res = await attempt('alice', GOOD_PASSWORD, { 'X-Forwarded-Proto': 'https' });
      });
      expect(res.status).to.equal(200);
      expect(res.headers.getSetCookie().find((c) => c.startsWith('sessionid='))).not.to.match(/; secure/i);
    });
  });

  describe('behind a trusted reverse proxy (USE_REVERSE_PROXY, FORWARDED_ALLOW_IPS = 127.0.0.1)', () => {
    let server: RunningServer;
    before(async () => {
      server = await startServer({
        workers: 3,
        settings: { LOCKDOWN: true, USE_REVERSE_PROXY: true, LOGIN_FAILURE_LIMIT: 3, LOGIN_FAILURE_WINDOW: 120 },
      });
      await seed(server);
    });
    after(async () => {
      await server?.stop();
    });
    // each attempt on its own connection, so that the workers take turns
    const attempt = (xff: string, username: string, password: string, headers: Record<string, string> = {}): Promise<Response> =>
      server.fetch('/accounts/ajax_login/', formPost({ username, password }, { 'X-Forwarded-For': xff, Connection: 'close', ...headers }));

    it('logs the client address the proxy added', async () => {
      // nginx forwards the Host it was asked for: the page's own site
      const [line] = await logged(server, 1, () => attempt('203.0.113.7', 'alice', GOOD_PASSWORD, { Referer: 'https://webui.example/accounts/login/', 'X-Forwarded-Host': 'webui.example' }));
      expect(line.message).to.equal('User "alice" (IP: 203.0.113.7) logged in through page https://webui.example/accounts/login/');
    });

    it('logs the right-most untrusted address of a forged X-Forwarded-For, not the one the client chose', async () => {
      const lines = await logged(server, 2, async () => {
        await attempt('6.6.6.6, 203.0.113.8', 'alice', 'forged-and-wrong');
        await attempt('6.6.6.6, 203.0.113.8', 'nobody', 'forged-and-wrong');
      });
      expect(lines.map((l) => l.message)).to.deep.equal([
        'User "alice" (IP: 203.0.113.8) failed to log in through page None (incorrect password)',
        'User "nobody" (IP: 203.0.113.8) failed to log in through page None (the username does not exist)',
      ]);
    });

    it('logs disabled accounts and logouts with the forwarded address', async () => {
      const lines = await logged(server, 1, () => attempt('203.0.113.9', 'locked', GOOD_PASSWORD));
      expect(lines[0].message).to.equal('User "locked" (IP: 203.0.113.9) failed to log in through page None (disabled account)');
      const out = await logged(server, 2, async () => {
        const res = await attempt('203.0.113.9', 'bob', GOOD_PASSWORD);
        const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
        await server.fetch('/accounts/ajax_logout/', { method: 'POST', headers: { cookie, 'X-Forwarded-For': '203.0.113.10' } });
      });
      expect(out.map((l) => l.message)).to.deep.equal([
        'User "bob" (IP: 203.0.113.9) logged in through page None',
        'User "bob" (IP: 203.0.113.10) logged out through page None',
      ]);
    });

    it('marks the cookie Secure when the proxy says the request came over https', async () => {
      let res = new Response();
      await logged(server, 1, async () => {
        res = await attempt('203.0.113.11', 'alice', GOOD_PASSWORD, { 'X-Forwarded-Proto': 'https' });
      });
      expect(res.status).to.equal(200);
      const session = res.headers.getSetCookie().find((c) => c.startsWith('sessionid='));
      expect(session).to.match(/; secure/i).and.match(/; httponly/i).and.match(/; samesite=lax/i);
    });

    it('after LOGIN_FAILURE_LIMIT failures for one username from one IP (any worker), answers 429 with Retry-After, even to the right password, and logs it', async () => {
      await logged(server, 3, async () => {
        for (let i = 0; i < 3; i += 1) {
          const res = await attempt('198.51.100.1', 'alice', `wrong-guess-${i}`);
          expect(res.status).to.equal(403);
        }
      });
      const lines = await logged(server, 1, async () => {
        const res = await attempt('198.51.100.1', 'alice', GOOD_PASSWORD);
        expect(res.status).to.equal(429);
        const retry = Number(res.headers.get('retry-after'));
        expect(retry).to.be.within(1, 120);
        expect(await res.text()).to.equal(`Too many failed logins: try again in ${retry} seconds.`);
      });
      expect(lines[0]).to.deep.equal({ level: 'WARNING', message: 'User "alice" (IP: 198.51.100.1) failed to log in through page None (too many failed logins)' });
      await server.waitForOutput(/Login of "alice" from 198\.51\.100\.1 refused: too many failed logins/);
    });

    it('does not slow down another client address', async () => {
      const res = await attempt('198.51.100.2', 'alice', GOOD_PASSWORD);
      expect(res.status).to.equal(200);
    });
  });
});
