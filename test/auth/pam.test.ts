// Real PAM, no mocks: needs root, useradd/groupadd and the built authenticate-pam.
import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { DEFAULT_PAM_SERVICE, pamAuthenticate, pamAvailable, unixGroupsOf } from '../../src/auth/pam.js';
import { PamFixture, run } from '../helpers/pam.js';

const pam = new PamFixture({ prefix: 'oqtest', createHome: true });
const { suffix, user, group, service, password } = pam;

describe('auth/pam (real PAM stack)', function () {
  before(() => pam.create());
  after(() => pam.remove());

  it('has the authenticate-pam addon', () => {
    expect(pamAvailable()).to.deep.equal({ ok: true });
    expect(DEFAULT_PAM_SERVICE).to.equal('oq-webui');
  });

  it('authenticates with the shipped service file', async () => {
    expect(await pamAuthenticate(user, password, service)).to.deep.equal({ ok: true });
    expect(await pamAuthenticate(user, password, service, '203.0.113.5')).to.deep.equal({ ok: true });
  });

  it('authenticates with the system login service', async () => {
    expect(await pamAuthenticate(user, password, 'login')).to.deep.equal({ ok: true });
  });

  it('refuses a wrong password', async () => {
    const result = await pamAuthenticate(user, `${password}x`, service);
    expect(result.ok).to.equal(false);
    expect(result).to.have.property('error').that.matches(/Authentication failure/);
  });

  it('refuses an unknown user', async () => {
    const result = await pamAuthenticate(`nosuch${suffix}`, password, service);
    expect(result.ok).to.equal(false);
    expect(result).to.have.property('error').that.is.a('string').and.not.empty;
  });

  it('refuses, before PAM, input the addon would truncate or cut at a NUL', async () => {
    const cases: Array<[string, string]> = [
      [user, ''],
      ['', password],
      [user, `${password}\0junk`],
      [user, `${password}${'x'.repeat(200)}`],
      [`${user}${'x'.repeat(200)}`, password],
    ];
    for (const [name, secret] of cases) {
      const result = await pamAuthenticate(name, secret, service);
      expect(result).to.have.property('error').that.matches(/^refused before PAM/);
    }
  });

  it('refuses a locked account', async () => {
    run('usermod', ['--lock', user]);
    try {
      expect((await pamAuthenticate(user, password, service)).ok).to.equal(false);
    } finally {
      run('usermod', ['--unlock', user]);
    }
    expect(await pamAuthenticate(user, password, service)).to.deep.equal({ ok: true });
  });

  it('refuses an expired account, which pam_authenticate alone would accept', async () => {
    run('usermod', ['--expiredate', '1', user]);
    try {
      expect(await pamAuthenticate(user, password, service)).to.deep.equal({ ok: false, error: 'account expired' });
    } finally {
      run('usermod', ['--expiredate', '', user]);
    }
    expect(await pamAuthenticate(user, password, service)).to.deep.equal({ ok: true });
  });

  it('lists the user\'s Unix groups', async () => {
    const groups = await unixGroupsOf(user);
    expect(groups).to.include(group);
    const primary = execFileSync('id', ['-gn', user], { encoding: 'utf8' }).trim();
    expect(groups).to.include(primary);
  });

  it('gives unknown users, and names that look like options, no groups', async () => {
    expect(await unixGroupsOf(`nosuch${suffix}`)).to.deep.equal([]);
    expect(await unixGroupsOf('--help')).to.deep.equal([]);
  });
});
