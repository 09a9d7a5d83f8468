// Real PAM through the server: a throwaway unix user (useradd + chpasswd, as root), the shipped
// PAM service file installed under a unique name, removed afterwards.
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { PamFixture } from '../helpers/pam.js';
import { accountFactory, GOOD_PASSWORD } from '../helpers/accounts.js';
import { startServer, tempDir, type RunningServer } from '../helpers/server.js';
import { accessLogLines, formPost, messageOf, newAccessLines } from './support.js';

const pam = new PamFixture({ prefix: 'oqpam', others: ['oqloc'] });
const { user: unixUser, group: unixGroup, service, password: unixPassword } = pam;
const [localTwin] = pam.others;

describe('PAM login through the server (real PAM stack)', function () {
  this.timeout(60_000);
  let server: RunningServer;

  before(async () => {
    pam.create();
    server = await startServer({
      workers: 2,
      settings: { LOCKDOWN: true, AUTHENTICATION_BACKENDS: ['local', 'pam'], PAM_SERVICE: service, PAM_MAP_UNIX_GROUPS: true },
    });
    const f = await accountFactory(server);
    try {
      await f.createGroup(unixGroup);
      await f.createGroup('stale');
      // a local account with its own password, named like a unix account
      await f.createUser({ username: localTwin });
    } finally {
      await f.close();
    }
  });

  after(async () => {
    await server?.stop();
    pam.remove();
  });

  const attempt = async (username: string, password: string): Promise<{ status: number; text: string; message: string }> => {
    const before = accessLogLines(server).length;
    const res = await server.fetch('/accounts/ajax_login/', formPost({ username, password }));
    const text = await res.text();
    const [line] = await newAccessLines(server, before, 1);
    return { status: res.status, text, message: messageOf(line).message };
  };

  const membership = async (): Promise<{ source?: string; password?: string | null; groups: string[]; active?: boolean }> => {
    const f = await accountFactory(server);
    try {
      const { User, Group, Membership } = f.db.models;
      const u = await User.findOne({ where: { username: unixUser } });
      const ms = u ? await Membership.findAll({ where: { userId: u.id } }) : [];
      const groups = ms.length ? await Group.findAll({ where: { id: ms.map((m) => m.groupId) } }) : [];
      return { source: u?.source, password: u?.password, active: u?.isActive, groups: groups.map((g) => g.name).sort() };
    } finally {
      await f.close();
    }
  };

  it('refuses a wrong password for a unix user who has no account yet, and creates none', async () => {
    const r = await attempt(unixUser, `${unixPassword}x`);
    expect(r).to.deep.equal({ status: 403, text: 'Invalid login', message: `User "${unixUser}" (IP: 127.0.0.1) failed to log in through page None (the username does not exist)` });
    expect((await membership()).source).to.equal(undefined);
  });

  it('logs in with the unix password; the first login creates the account without a local password, in the groups named like the unix groups', async () => {
    const r = await attempt(unixUser, unixPassword);
    expect(r).to.deep.equal({ status: 200, text: 'Successful login', message: `User "${unixUser}" (IP: 127.0.0.1) logged in through page None` });
    expect(await membership()).to.deep.equal({ source: 'pam', password: null, active: true, groups: [unixGroup] });
  });

  it('makes the memberships exactly the unix groups again at each PAM login', async () => {
    const f = await accountFactory(server);
    try {
      await f.addToGroup(unixUser, 'stale');
    } finally {
      await f.close();
    }
    expect((await membership()).groups).to.deep.equal([unixGroup, 'stale'].sort());
    expect((await attempt(unixUser, unixPassword)).status).to.equal(200);
    expect((await membership()).groups).to.deep.equal([unixGroup]);
  });

  it('refuses a wrong password once the account exists, logged as an incorrect password', async () => {
    const r = await attempt(unixUser, 'definitely-not-it');
    expect(r).to.deep.equal({ status: 403, text: 'Invalid login', message: `User "${unixUser}" (IP: 127.0.0.1) failed to log in through page None (incorrect password)` });
  });

  it('does not let a unix password open a same-named local account that has its own password', async () => {
    expect((await attempt(localTwin, unixPassword)).status).to.equal(403);
    expect((await attempt(localTwin, GOOD_PASSWORD)).status).to.equal(200);
  });

  it('refuses a disabled PAM account with "Disabled account"', async () => {
    const f = await accountFactory(server);
    try {
      await f.db.models.User.update({ isActive: false }, { where: { username: unixUser } });
    } finally {
      await f.close();
    }
    const r = await attempt(unixUser, unixPassword);
    expect(r).to.deep.equal({ status: 403, text: 'Disabled account', message: `User "${unixUser}" (IP: 127.0.0.1) failed to log in through page None (disabled account)` });
  });
});

describe('PAM without the native addon', function () {
  this.timeout(60_000);
  let tree: string;

  before(() => {
    // a copy of this installation whose node_modules lacks authenticate-pam
    tree = tempDir('oq-webui-nopam-');
    cpSync(join(PACKAGE_ROOT, 'dist'), join(tree, 'dist'), { recursive: true });
    cpSync(join(PACKAGE_ROOT, 'bin'), join(tree, 'bin'), { recursive: true });
    cpSync(join(PACKAGE_ROOT, 'config'), join(tree, 'config'), { recursive: true });
    copyFileSync(join(PACKAGE_ROOT, 'package.json'), join(tree, 'package.json'));
    mkdirSync(join(tree, 'node_modules'));
    for (const entry of readdirSync(join(PACKAGE_ROOT, 'node_modules'))) {
      if (entry !== 'authenticate-pam') {
        symlinkSync(join(PACKAGE_ROOT, 'node_modules', entry), join(tree, 'node_modules', entry));
      }
    }
  });

  after(() => {
    rmSync(tree, { recursive: true, force: true });
  });

  it('`oq-webui check` reports it, naming the fix', async () => {
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn(process.execPath, [join(tree, 'bin', 'oq-webui.js'), 'check', '--data-dir', join(tree, 'data'), '--log-dir', join(tree, 'logs')],
        { env: { ...process.env, OQ_WEBUI_AUTHENTICATION_BACKENDS: '["local","pam"]' } });
      let out = '';
      p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
      p.on('exit', (code) => resolve({ code, out }));
    });
    // a warning: the server starts all the same (local logins work), so check exits 0 as start runs
    expect(r.code).to.equal(0);
    expect(r.out).to.match(/Warning: AUTHENTICATION_BACKENDS: "pam" is enabled but the authenticate-pam native module cannot be loaded .*npm rebuild authenticate-pam/);
  });

  it('the server says so at start, and a PAM login fails with the same message in the server log (local logins still work)', async () => {
    const server = await startServer({
      bin: join(tree, 'bin', 'oq-webui.js'), workers: 1,
      settings: { LOCKDOWN: true, AUTHENTICATION_BACKENDS: ['local', 'pam'] },
    });
    try {
      await server.waitForOutput(/AUTHENTICATION_BACKENDS includes "pam" but the authenticate-pam native module cannot be loaded .*npm rebuild authenticate-pam.*: PAM logins will fail/);
      const f = await accountFactory(server);
      try {
        await f.createUser({ username: 'local-one' });
      } finally {
        await f.close();
      }
      const res = await server.fetch('/accounts/ajax_login/', formPost({ username: 'someunixuser', password: 'whatever-it-is' }));
      expect(res.status).to.equal(403);
      await server.waitForOutput(/PAM login of "someunixuser" impossible: the authenticate-pam native module cannot be loaded .*apt-get install libpam0g-dev/);
      const ok = await server.fetch('/accounts/ajax_login/', formPost({ username: 'local-one', password: GOOD_PASSWORD }));
      expect(ok.status).to.equal(200);
    } finally {
      await server.stop();
    }
  });
});
