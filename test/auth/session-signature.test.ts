/**
 * The session cookie's signature is checked for every (id, signature) pair a browser sends, even
 * after the worker remembered that pair as good: a remembered id with another signature is refused.
 */
import { expect } from 'chai';
import { lockdownServer, type LockdownServer } from '../helpers/accounts.js';

const valueOf = (cookie: string, name: string): string => new RegExp(`(?:^|; )${name.replace('.', '\\.')}=([^;]*)`).exec(cookie)?.[1] ?? '';

describe('session cookies: signatures after the first good request', function () {
  this.timeout(60_000);
  let s: LockdownServer;
  before(async () => {
    s = await lockdownServer([{ username: 'ann' }, { username: 'ben' }], { loginAs: ['ann', 'ben'] });
    // both sessions served on every worker: their pairs are remembered everywhere
    for (let i = 0; i < 6; i += 1) {
      for (const cookie of [s.cookies.ann, s.cookies.ben]) {
        expect((await s.server.fetch('/v1/engine_version', { headers: { cookie } })).status).to.equal(200);
      }
    }
  });
  after(async () => {
    await s?.server.stop();
  });

  it('refuses a known session id with a changed signature, and clears the signature cookie', async () => {
    const sig = valueOf(s.cookies.ann, 'sessionid.sig');
    const changed = sig.startsWith('A') ? `B${sig.slice(1)}` : `A${sig.slice(1)}`;
    for (let i = 0; i < 4; i += 1) {
      const res = await s.server.fetch('/v1/engine_version', { headers: { cookie: `sessionid=${valueOf(s.cookies.ann, 'sessionid')}; sessionid.sig=${changed}` } });
      expect(res.status).to.equal(403);
      expect(res.headers.getSetCookie().find((c) => c.startsWith('sessionid.sig='))).to.match(/^sessionid\.sig=;.*expires=Thu, 01 Jan 1970/i);
    }
  });

  it('refuses one session id with the signature of another session, both known good', async () => {
    const swapped = `sessionid=${valueOf(s.cookies.ann, 'sessionid')}; sessionid.sig=${valueOf(s.cookies.ben, 'sessionid.sig')}`;
    for (let i = 0; i < 4; i += 1) {
      expect((await s.server.fetch('/v1/engine_version', { headers: { cookie: swapped } })).status).to.equal(403);
    }
    // and the genuine pairs still work
    for (const cookie of [s.cookies.ann, s.cookies.ben]) {
      expect((await s.server.fetch('/v1/engine_version', { headers: { cookie } })).status).to.equal(200);
    }
  });

  it('refuses a session id without its signature cookie', async () => {
    const res = await s.server.fetch('/v1/engine_version', { headers: { cookie: `sessionid=${valueOf(s.cookies.ann, 'sessionid')}` } });
    expect(res.status).to.equal(403);
  });
});
