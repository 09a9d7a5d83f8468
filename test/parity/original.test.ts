/**
 * The original WebUI as the parity suite starts it: gunicorn with 2 workers on a free loopback
 * port, LOCKDOWN through OQ_APPLICATION_MODE=RESTRICTED, its users made with its own models, its
 * webui-access.log written, and nothing left running after stop().
 */
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { originalMissing, startOriginal, type OriginalServer } from '../helpers/original.js';

describe('the original WebUI 3.26 started by the tests', function () {
  this.timeout(180_000);
  let orig: OriginalServer | null = null;

  before(async function () {
    const missing = originalMissing();
    if (missing) {
      throw new Error(missing);
    }
    orig = await startOriginal({ users: [{ username: 'alice', password: 'correct-Horse-battery-9', groups: ['g'] }] });
  });
  after(async () => { await orig?.stop(); });

  it('runs under gunicorn with 2 workers and LOCKDOWN on: anonymous API calls get an empty 403', async () => {
    const o = orig as OriginalServer;
    expect(o.pids().length).to.equal(3);
    const res = await o.fetch('/v1/calc/list');
    expect(res.status).to.equal(403);
    expect(await res.text()).to.equal('');
    expect((await o.fetch('/engine/')).headers.get('location')).to.equal('/accounts/login/');
  });

  it('logs its users in and writes webui-access.log for Fail2Ban', async () => {
    const o = orig as OriginalServer;
    const res = await o.fetch('/accounts/ajax_login/', { method: 'POST', body: new URLSearchParams({ username: 'alice', password: 'correct-Horse-battery-9' }) });
    expect(res.status).to.equal(200);
    expect(await res.text()).to.equal('Successful login');
    const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const list = await o.fetch('/v1/calc/list', { headers: { cookie } });
    expect(list.status).to.equal(200);
    expect(await list.json()).to.deep.equal([]);
    const log = readFileSync(join(o.logDir, 'webui-access.log'), 'utf8');
    expect(log).to.match(/ - openquake\.server\.signals - INFO - User "alice" \(IP: 127\.0\.0\.1\) logged in through page None\n$/);
  });

  it('stops with every gunicorn process gone and its folder removed', async () => {
    const o = orig as OriginalServer;
    const pids = o.pids();
    await o.stop();
    orig = null;
    expect(pids.filter((pid) => existsSync(`/proc/${pid}`))).to.deep.equal([]);
    expect(existsSync(o.dir)).to.equal(false);
  });
});
