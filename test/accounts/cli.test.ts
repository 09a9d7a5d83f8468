import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { accountFactory, cookieHeader, GOOD_PASSWORD } from '../helpers/accounts.js';
import { BIN, sleep, startServer, tempDir } from '../helpers/server.js';
import { formPost } from './support.js';

interface Run { code: number | null; stdout: string; stderr: string }

/** Runs `oq-webui ARGS` with stdin fed from `input` (then closed). */
function oq(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...(opts.env ?? {}) }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(opts.input ?? '');
  });
}

/** Runs `oq-webui ARGS` in a pseudo-terminal (util-linux `script`), answering each prompt when it appears. */
function oqInTerminal(args: string[], answers: Array<[RegExp, string]>): Promise<Run> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const p = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let next = 0;
    let from = 0;
    const feed = (): void => {
      // answer only once the prompt is shown: typed earlier, the terminal itself would echo it
      while (next < answers.length) {
        const m = answers[next][0].exec(out.slice(from));
        if (!m) {
          return;
        }
        from += m.index + m[0].length;
        p.stdin.write(`${answers[next][1]}\r`);
        next += 1;
      }
    };
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); feed(); });
    p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    p.on('error', reject);
    p.on('exit', (code) => { p.stdin.end(); resolve({ code, stdout: out, stderr: '' }); });
  });
}

describe('account commands (migrate, createsuperuser, createuser, changepassword)', function () {
  this.timeout(60_000);
  let data: string;
  let dbArgs: string[];

  before(() => {
    data = tempDir();
    dbArgs = ['--data-dir', data];
  });
  after(() => {
    rmSync(data, { recursive: true, force: true });
  });

  it('refuse to work on a database that does not exist yet, saying to run migrate', async () => {
    const r = await oq(['createuser', 'alice', '--password-stdin', ...dbArgs], { input: `${GOOD_PASSWORD}\n` });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain(`the database at ${join(data, 'webui.sqlite3')} does not exist: run "oq-webui migrate" to create it`);
  });

  it('migrate creates the database, prints what it applied, and is safe to re-run', async () => {
    const first = await oq(['migrate', ...dbArgs]);
    expect(first.code).to.equal(0);
    expect(first.stdout).to.contain(`Database: ${join(data, 'webui.sqlite3')}`).and.contain('  Applying 0001_accounts... OK');
    expect(existsSync(join(data, 'webui.sqlite3'))).to.equal(true);
    const again = await oq(['migrate', ...dbArgs]);
    expect(again.code).to.equal(0);
    expect(again.stdout).to.contain('No migrations to apply.');
  });

  it('createsuperuser --noinput takes the password from OQ_WEBUI_SUPERUSER_PASSWORD and stores a full-strength Django hash', async () => {
    const r = await oq(['createsuperuser', '--noinput', '--username', 'admin', '--email', 'admin@example.com', ...dbArgs], { env: { OQ_WEBUI_SUPERUSER_PASSWORD: 'Admin-pass-2024' } });
    expect(r.stderr).to.equal('');
    expect(r.stdout).to.equal('Superuser created successfully.\n');
    const f = await accountFactory(`sqlite:${join(data, 'webui.sqlite3')}`);
    try {
      const u = await f.db.models.User.findOne({ where: { username: 'admin' } });
      expect(u).to.include({ email: 'admin@example.com', isSuperuser: true, isStaff: true, isActive: true, source: 'local' });
      expect(u?.password).to.match(/^pbkdf2_sha256\$600000\$[A-Za-z0-9]{22}\$[A-Za-z0-9+/=]{44}$/);
    } finally {
      await f.close();
    }
  });

  it('createsuperuser --noinput refuses: no --username, a taken username, a password breaking a rule (naming it)', async () => {
    let r = await oq(['createsuperuser', '--noinput', ...dbArgs]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal('Error: You must use --username with --noinput.\n');
    r = await oq(['createsuperuser', '--noinput', '--username', 'admin', ...dbArgs], { env: { OQ_WEBUI_SUPERUSER_PASSWORD: 'Admin-pass-2024' } });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal('Error: That username is already taken.\n');
    r = await oq(['createsuperuser', '--noinput', '--username', 'admin2', ...dbArgs], { env: { OQ_WEBUI_SUPERUSER_PASSWORD: '1234' } });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain('Error: This password is too short. It must contain at least 8 characters.\n')
      .and.contain('Error: This password is too common.\n').and.contain('Error: This password is entirely numeric.\n');
  });

  it('createsuperuser asks in a terminal, showing the username and hiding the password', async () => {
    const r = await oqInTerminal(['createsuperuser', ...dbArgs], [
      [/Username \(leave blank to use '[^']*'\): /, 'boss'],
      [/Email address: /, 'not-an-email'],
      [/Error: Enter a valid email address\.[\s\S]*Email address: /, 'boss@example.com'],
      [/Password: /, 'Secret-Typed-77'],
      [/Password \(again\): /, 'Secret-Typed-78'],
      [/Error: Your passwords didn't match\.[\s\S]*Password: /, 'Secret-Typed-77'],
      [/Password \(again\): /, 'Secret-Typed-77'],
    ]);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.contain('boss').and.contain('Superuser created successfully.');
    expect(r.stdout).not.to.contain('Secret-Typed');
  });

  it('createuser reads the password from stdin, makes staff, and puts the user in groups (created if missing)', async () => {
    const r = await oq(['createuser', 'alice', '--email', 'alice@example.com', '--staff', '--group', 'hazard', '--group', 'risk', '--password-stdin', ...dbArgs], { input: `${GOOD_PASSWORD}\n` });
    expect(r.stderr).to.equal('');
    expect(r.stdout).to.equal('Created group "hazard".\nCreated group "risk".\nUser "alice" created (staff: yes, superuser: no, level: 2, password: yes, groups: hazard, risk).\n');
    const again = await oq(['createuser', 'bob', '--group', 'hazard', '--no-password', ...dbArgs]);
    expect(again.stdout).to.equal('User "bob" created (staff: no, superuser: no, level: 2, password: no, groups: hazard).\n');
    const f = await accountFactory(`sqlite:${join(data, 'webui.sqlite3')}`);
    try {
      const groups = await f.db.models.Group.findAll({ order: [['name', 'ASC']] });
      expect(groups.map((g) => g.name)).to.deep.equal(['hazard', 'risk']);
      const bob = await f.db.models.User.findOne({ where: { username: 'bob' } });
      expect(bob?.password).to.equal(null);
      expect(await f.db.models.Membership.count({ where: { groupId: groups[0].id } })).to.equal(2);
    } finally {
      await f.close();
    }
  });

  it('createuser refuses a weak password naming the rule, and needs exactly one USERNAME', async () => {
    let r = await oq(['createuser', 'carol', '--password-stdin', ...dbArgs], { input: 'carol2024\n' });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain('Error: The password is too similar to the username.');
    r = await oq(['createuser', ...dbArgs]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('give exactly one USERNAME');
  });

  it('changepassword sets the new password and ends the user\'s sessions', async () => {
    const f = await accountFactory(`sqlite:${join(data, 'webui.sqlite3')}`);
    try {
      const alice = await f.db.models.User.findOne({ where: { username: 'alice' } });
      await f.db.models.SessionRow.create({ sid: 'a-session-of-alice', data: JSON.stringify({ uid: alice?.id }), expiresAt: Date.now() + 60_000, userId: alice?.id ?? null });
      const r = await oq(['changepassword', 'alice', '--password-stdin', ...dbArgs], { input: 'Brand-new-pass-5\n' });
      expect(r.stderr).to.equal('');
      expect(r.stdout).to.equal('Password changed successfully for user \'alice\'\n');
      expect(await f.db.models.SessionRow.count({ where: { userId: alice?.id } })).to.equal(0);
      const after = await f.db.models.User.findOne({ where: { username: 'alice' } });
      expect(after?.password).to.not.equal(alice?.password);
    } finally {
      await f.close();
    }
  });

  it('changepassword gives up after three mismatched passwords, and names an unknown user', async () => {
    let r = await oq(['changepassword', 'alice', ...dbArgs], { input: 'Aa-1111111\nAa-2222222\nAa-1111111\nAa-2222222\nAa-1111111\nAa-2222222\n' });
    expect(r.code).to.equal(1);
    expect(r.stderr.match(/Error: Your passwords didn't match\./g)).to.have.length(3);
    expect(r.stderr).to.contain('Error: no acceptable password after 3 attempts');
    r = await oq(['changepassword', 'nobody', '--password-stdin', ...dbArgs], { input: 'Aa-1111111\n' });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal('Error: User "nobody" does not exist.\n');
  });
});

describe('oq-webui start and the database', function () {
  this.timeout(60_000);

  it('on a fresh data folder creates and migrates the database and a 0600 secret key, kept across restarts with the sessions', async () => {
    const shared = tempDir();
    try {
      const first = await startServer({ workers: 1, settings: { LOCKDOWN: true }, args: ['--data-dir', shared] });
      let cookie = '';
      let key = '';
      try {
        expect(existsSync(join(shared, 'webui.sqlite3'))).to.equal(true);
        expect(statSync(join(shared, 'secret_key')).mode & 0o777).to.equal(0o600);
        key = readFileSync(join(shared, 'secret_key'), 'utf8');
        expect(key.trim().length).to.be.at.least(32);
        await first.waitForOutput(/Created the database .*webui\.sqlite3/);
        // one log record per line of the migration's output, not several joined with semicolons
        expect(first.output()).to.match(/^\[[^\]]+\] \[\d+\] \[INFO\] {3}Applying 0001_accounts\.\.\. OK$/m);
        expect(first.output()).not.to.match(/Created the database .*; /);
        const f = await accountFactory(`sqlite:${join(shared, 'webui.sqlite3')}`);
        await f.createUser({ username: 'alice' });
        await f.close();
        const res = await first.fetch('/accounts/ajax_login/', formPost({ username: 'alice', password: GOOD_PASSWORD }));
        expect(res.status).to.equal(200);
        cookie = cookieHeader(res);
      } finally {
        await first.stop();
      }
      const second = await startServer({ workers: 1, settings: { LOCKDOWN: true }, args: ['--data-dir', shared] });
      try {
        expect(readFileSync(join(shared, 'secret_key'), 'utf8')).to.equal(key);
        expect(second.output()).not.to.match(/Created the database/);
        expect((await second.fetch('/v1/engine_version', { headers: { cookie } })).status).to.equal(200);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  });

  it('refuses to start on an existing database with pending migrations, saying to run migrate', async () => {
    const data = tempDir();
    try {
      expect((await oq(['migrate', '--data-dir', data])).code).to.equal(0);
      const f = await accountFactory(`sqlite:${join(data, 'webui.sqlite3')}`);
      try {
        await f.db.sequelize.query('DELETE FROM oq_webui_migrations WHERE name = (SELECT MAX(name) FROM oq_webui_migrations)');
      } finally {
        await f.close();
      }
      const server = await startServer({ workers: 1, waitReady: 0, args: ['--data-dir', data] });
      const exit = await Promise.race([server.exited, sleep(30_000).then(() => null)]);
      const out = server.output();
      await server.stop();
      expect(exit?.code).to.equal(3);
      expect(out).to.match(/has pending migrations \(\d{4}_\w+\): run "oq-webui migrate"/);
      expect(out).to.contain('Reason: Worker failed to boot.');
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
