import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { resolveSettings } from '../../src/settings/load.js';
import { tempDir } from '../helpers/server.js';

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

  for (const name of ['local_settings.json.server', 'local_settings.json.pam']) {
    it(`${name}: its ENGINE_COMMAND line, once uncommented, gives the engine by its full path`, function () {
      const dir = tempDir('oq-webui-template-');
      try {
        const text = readFileSync(join(PACKAGE_ROOT, 'config', name), 'utf8');
        expect(text).to.match(/^ {2}\/\/ "ENGINE_COMMAND"/m);
        const config = join(dir, 'local_settings.json');
        writeFileSync(config, text.replace(/^ {2}\/\/ "ENGINE_COMMAND"/m, '  "ENGINE_COMMAND"'));
        const r = resolveSettings({ configPath: config, env: {} });
        expect(r.problems).to.deep.equal([]);
        expect(r.settings.ENGINE_COMMAND[0]).to.equal('/opt/openquake/venv/bin/oq');
        expect(r.sources.ENGINE_COMMAND).to.equal('file');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('the PAM template adds the PAM backend after the local one', function () {
    const r = resolveSettings({ configPath: join(PACKAGE_ROOT, 'config', 'local_settings.json.pam'), env: {} });
    expect(r.settings.AUTHENTICATION_BACKENDS).to.deep.equal(['local', 'pam']);
    expect(r.settings.PAM_SERVICE).to.equal('oq-webui');
  });
});
