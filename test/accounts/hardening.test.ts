/**
 * Issue 12's accounts points: no forged log lines from client-chosen text (12.2), a NUL byte in
 * a username is a 4xx that Fail2Ban still sees (12.4), throttling per (username, IP) and per IP
 * (12.8), and login CSRF (12.9).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { accountFactory, GOOD_PASSWORD, login } from '../helpers/accounts.js';
import { startServer, waitFor, type RunningServer } from '../helpers/server.js';
import { accessLogLines, formPost, messageOf, newAccessLines } from './support.js';

/** A fake server-log record, as an attacker would smuggle it after a line break. */
const FORGED = '[2026-01-01 00:00:00 +0000] [1] [CRITICAL] forged-record';

/** The lines of the server log (oq-webui.log) so far. */
function serverLogLines(server: RunningServer): string[] {
  try {
    return readFileSync(join(server.logDir, 'oq-webui.log'), 'utf8').split('\n');
  } catch {
    return [];
  }
}

/** No line of any log file starts with the forged record (it may only appear escaped, inside a line). */
function expectNoForgedLine(server: RunningServer): void {
  for (const [file, lines] of [['oq-webui.log', serverLogLines(server)], ['webui-access.log', accessLogLines(server)]] as const) {
    const forged = lines.filter((l) => /^\[2026-01-01 00:00:00 \+0000\] \[1\] \[CRITICAL\]/.test(l) || l.startsWith('forged-record'));
    expect(forged, `${file}:\n${lines.join('\n')}`).to.deep.equal([]);
  }
  let access = '';
  try {
    access = readFileSync(join(server.logDir, 'access.log'), 'utf8');
  } catch {
    // no access log
  }
  expect(access.split('\n').filter((l) => l.startsWith('[2026') || l.startsWith('forged'))).to.deep.equal([]);
}

describe('accounts hardening (issue 12)', function () {
  this.timeout(90_000);
  let server: RunningServer;

  before(async () => {
    server = await startServer({
      workers: 2,
      settings: { LOCKDOWN: true, USE_REVERSE_PROXY: true, LOGIN_FAILURE_LIMIT: 3, LOGIN_FAILURE_IP_LIMIT: 6, LOGIN_FAILURE_WINDOW: 300 },
    });
    const f = await accountFactory(server);
    try {
      for (const username of ['alice', 'bob', 'carol', 'dave', 'erin']) {
        await f.createUser({ username });
      }
      await f.createUser({ username: 'staffer', isStaff: true });
      await f.createGroup(`innocent\n${FORGED} by a group name`);
    } finally {
      await f.close();
    }
  });

  after(async () => {
    await server?.stop();
  });

  /** An ajax login from the client address `ip` (the trusted proxy, 127.0.0.1, forwards it). */
  const attempt = (ip: string, username: string, password: string, headers: Record<string, string> = {}): Promise<Response> =>
    server.fetch('/accounts/ajax_login/', formPost({ username, password }, { 'X-Forwarded-For': ip, Connection: 'close', ...headers }));

  describe('12.2: client-chosen text cannot forge a log line', () => {
    it('escapes a username with CR/LF and a fake record in a throttled login (server log and webui-access.log)', async () => {
      const username = `mallory\r\n${FORGED}`;
      for (let i = 0; i < 3; i += 1) {
        expect((await attempt('198.51.100.20', username, 'guess-guess')).status).to.equal(400);
      }
      const res = await attempt('198.51.100.20', username, 'guess-guess');
      expect(res.status).to.equal(429);
      await server.waitForOutput(/Login of "mallory.*refused: too many failed logins/);
      await waitFor(() => serverLogLines(server).some((l) => l.includes('Login of "mallory\\r\\n[2026-01-01')), 5000, 'the escaped warning in oq-webui.log');
      expectNoForgedLine(server);
    });

    it('escapes a group name a staff member makes the server log', async () => {
      const cookie = await login(server, 'staffer');
      const groups = await (await server.fetch('/admin/groups', { headers: { cookie, Accept: 'application/json' } })).json() as Array<{ id: number; name: string }>;
      const evil = groups.find((g) => g.name.startsWith('innocent\n'));
      expect(evil, JSON.stringify(groups)).to.not.equal(undefined);
      const res = await server.fetch(`/admin/groups/${evil?.id}`, { method: 'DELETE', headers: { cookie, Accept: 'application/json' } });
      expect(res.status).to.be.within(200, 299);
      await waitFor(() => serverLogLines(server).some((l) => l.includes('deleted group "innocent\\n[2026-01-01')), 5000, 'the escaped group name in oq-webui.log');
      expectNoForgedLine(server);
    });
  });

  describe('12.4: a NUL byte in a username', () => {
    it('gets a 400 naming the field, and the attempt is in webui-access.log for Fail2Ban', async () => {
      const before = accessLogLines(server).length;
      const res = await attempt('198.51.100.30', 'ali\u0000ce', GOOD_PASSWORD);
      expect(res.status).to.equal(400);
      expect(await res.text()).to.match(/^Invalid body: username: control characters are not allowed/);
      const [line] = (await newAccessLines(server, before, 1)).map(messageOf);
      expect(line).to.deep.equal({ level: 'WARNING', message: 'User "ali%00ce" (IP: 198.51.100.30) failed to log in through page None (the username does not exist)' });
    });

    it('is refused from the login page too (400), and an over-long username or password as well', async () => {
      const page = await server.fetch('/accounts/login/', formPost({ username: 'a\u0000', password: 'x-x-x-x' }, { 'X-Forwarded-For': '198.51.100.31' }));
      expect(page.status).to.equal(400);
      expect((await attempt('198.51.100.31', 'u'.repeat(151), 'x-x-x-x')).status).to.equal(400);
      const long = await attempt('198.51.100.31', 'alice', 'p'.repeat(4097));
      expect(long.status).to.equal(400);
      expect(await long.text()).to.include('password: at most 4096 characters');
    });
  });

  describe('12.8: throttling per (username, IP) and per IP, as django-axes', () => {
    const ip = '203.0.113.80';

    it('locks one username out from one IP after LOGIN_FAILURE_LIMIT failures, even with the right password', async () => {
      for (let i = 0; i < 3; i += 1) {
        expect((await attempt(ip, 'alice', `wrong-${i}-guess`)).status).to.equal(403);
      }
      const res = await attempt(ip, 'alice', GOOD_PASSWORD);
      expect(res.status).to.equal(429);
      expect(Number(res.headers.get('retry-after'))).to.be.within(1, 300);
    });

    it('still lets another user who was not attacked log in from that IP with the right password', async () => {
      expect((await attempt(ip, 'bob', GOOD_PASSWORD)).status).to.equal(200);
    });

    it('lets the attacked user in from another IP', async () => {
      expect((await attempt('203.0.113.81', 'alice', GOOD_PASSWORD)).status).to.equal(200);
    });

    it('refuses every username from the IP past LOGIN_FAILURE_IP_LIMIT failures (spraying)', async () => {
      // 3 failures so far from this IP (alice's); 3 more for other usernames reach the limit of 6
      for (const username of ['carol', 'dave', 'nobody']) {
        expect((await attempt(ip, username, 'sprayed-guess-1')).status).to.equal(403);
      }
      const res = await attempt(ip, 'erin', GOOD_PASSWORD);
      expect(res.status).to.equal(429);
      expect((await attempt('203.0.113.82', 'erin', GOOD_PASSWORD)).status).to.equal(200);
    });
  });

  describe('12.9: login CSRF', () => {
    it('refuses a login POST from another site\'s page (Origin, Referer, opaque origin, Sec-Fetch-Site) with 403 and no session', async () => {
      for (const headers of [
        { Origin: 'http://evil.example' },
        { Referer: 'https://evil.example/auto-submit.html' },
        { Origin: 'null' },
        { 'Sec-Fetch-Site': 'cross-site' },
      ] as Record<string, string>[]) {
        for (const path of ['/accounts/ajax_login/', '/accounts/login/']) {
          const res = await server.fetch(path, formPost({ username: 'carol', password: GOOD_PASSWORD }, headers));
          expect(res.status, `${path} ${JSON.stringify(headers)}`).to.equal(403);
          expect(res.headers.getSetCookie().filter((c) => c.startsWith('sessionid='))).to.deep.equal([]);
        }
      }
    });

    it('behind nginx (Host without the port it listens on), accepts its own page on that port, not another site', async () => {
      const through = (origin: string): Promise<Response> => server.fetch('/accounts/ajax_login/', formPost({ username: 'carol', password: GOOD_PASSWORD }, { Origin: origin, 'X-Forwarded-Host': 'webui.example', 'X-Forwarded-For': '203.0.113.90' }));
      expect((await through('http://webui.example:8080')).status).to.equal(200);
      expect((await through('http://evil.example:8080')).status).to.equal(403);
    });

    it('accepts the login from this site\'s own page, and from a script that sends neither header', async () => {
      const own = await server.fetch('/accounts/login/', formPost({ username: 'carol', password: GOOD_PASSWORD, next: '/engine/' }, { Origin: server.base, Referer: `${server.base}/accounts/login/` }));
      expect(own.status).to.equal(302);
      const script = await server.fetch('/accounts/ajax_login/', formPost({ username: 'carol', password: GOOD_PASSWORD }));
      expect(script.status).to.equal(200);
    });
  });
});
