import { join } from 'node:path';
import { expect } from 'chai';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { resolveSettings } from '../../src/settings/load.js';

describe('the local settings templates an operator copies', function () {
  for (const name of ['local_settings.json.server', 'local_settings.json.pam']) {
    it(`${name} is valid as shipped (comments included) and turns LOCKDOWN and the reverse proxy on`, function () {
      const r = resolveSettings({ configPath: join(PACKAGE_ROOT, 'config', name), env: {} });
      expect(r.problems).to.deep.equal([]);
      expect(r.settings.LOCKDOWN).to.equal(true);
      expect(r.settings.USE_REVERSE_PROXY).to.equal(true);
      expect(r.sources.LOCKDOWN).to.equal('file');
    });
  }

  it('the PAM template adds the PAM backend after the local one', function () {
    const r = resolveSettings({ configPath: join(PACKAGE_ROOT, 'config', 'local_settings.json.pam'), env: {} });
    expect(r.settings.AUTHENTICATION_BACKENDS).to.deep.equal(['local', 'pam']);
    expect(r.settings.PAM_SERVICE).to.equal('oq-webui');
  });
});
