/**
 * Upgrading keeps everyone logged in: a session written by release 0.1.0 (its hand-written
 * session middleware; the row and cookies captured in test/fixtures/session-0.1.0.json) is a
 * valid koa-session session, and koa-session writes sessions in that same shape.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { accountFactory, cookieHeader, lockdownServer, type LockdownServer } from '../helpers/accounts.js';
import { PACKAGE_ROOT } from '../../src/paths.js';

interface Fixture {
  secret: string;
  setCookie: string[];
  row: { sid: string; data: string; expires_at: number; user_id: number };
}
const fixture = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'test/fixtures/session-0.1.0.json'), 'utf8')) as Fixture;

/** The Cookie header a browser sends back from Set-Cookie lines. */
const cookieOf = (lines: string[]): string => lines.map((l) => l.split(';')[0]).join('; ');

/** A Set-Cookie line without its value and expiry: name and flags. */
const shapeOf = (line: string): string => line.replace(/^([^=]+)=[^;]*/, '$1=').replace(/; expires=[^;]*/, '');

describe('sessions of the previous release after the upgrade', function () {
  this.timeout(60_000);
  let s: LockdownServer;
  before(async () => {
    s = await lockdownServer([{ username: 'fixture' }, { username: 'other' }], { settings: { SECRET_KEY: fixture.secret } });
    const f = await accountFactory(s.server);
    try {
      // the captured row, for this database's user and with its times moved to now (the rest as written then)
      const data = JSON.parse(fixture.row.data) as Record<string, unknown>;
      const maxAge = Number(data._maxAge);
      const stored = JSON.stringify({ ...data, uid: s.ids.fixture, _expire: Date.now() + maxAge });
      await f.db.models.SessionRow.create({ sid: fixture.row.sid, data: stored, expiresAt: Date.now() + maxAge + 10_000, userId: s.ids.fixture });
    } finally {
      await f.close();
    }
  });
  after(async () => {
    await s?.server.stop();
  });

  it('a session cookie of 0.1.0 still logs its user in (on every worker)', async () => {
    for (let i = 0; i < 4; i += 1) {
      const res = await s.server.fetch('/v1/calc/list', { headers: { cookie: cookieOf(fixture.setCookie) } });
      expect(res.status).to.equal(200);
    }
    const bad = await s.server.fetch('/v1/calc/list', { headers: { cookie: cookieOf(fixture.setCookie).replace(/sig=./, 'sig=A') } });
    expect(bad.status, 'a wrong signature is still refused').to.equal(403);
  });

  it('a login now writes the cookies and the row in the shape 0.1.0 wrote them', async () => {
    const res = await s.server.fetch('/accounts/ajax_login/', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'other', password: 'correct-Horse-battery-9' }).toString(),
    });
    expect(res.status).to.equal(200);
    expect(res.headers.getSetCookie().map(shapeOf)).to.deep.equal(fixture.setCookie.map(shapeOf));
    const cookie = cookieHeader(res);
    const sid = /sessionid=([^;]+)/.exec(cookie)?.[1];
    expect(sid).to.match(/^[A-Za-z0-9_-]{43}$/);
    const f = await accountFactory(s.server);
    try {
      const row = await f.db.models.SessionRow.findOne({ where: { sid } });
      const keys = Object.keys(JSON.parse(row!.data) as object);
      expect(keys).to.deep.equal(Object.keys(JSON.parse(fixture.row.data) as object));
      expect(Number(row!.expiresAt) - (JSON.parse(row!.data) as { _expire: number })._expire, 'the row outlives the cookie by 10 s').to.equal(10_000);
    } finally {
      await f.close();
    }
    expect((await s.server.fetch('/v1/calc/list', { headers: { cookie } })).status).to.equal(200);
  });
});
