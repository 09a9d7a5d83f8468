import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { DECLARATIONS } from '../../src/settings/declarations.js';

const run = promisify(execFile);

describe('docs/settings.md, the settings reference', function () {
  it('is what `oq-webui settings` prints now (regenerate it with: node bin/oq-webui.js settings > docs/settings.md)', async function () {
    const { stdout } = await run(process.execPath, [join(PACKAGE_ROOT, 'bin', 'oq-webui.js'), 'settings']);
    const doc = readFileSync(join(PACKAGE_ROOT, 'docs', 'settings.md'), 'utf8');
    // paths in defaults depend on where the checkout lives
    const normal = (t: string) => t.replaceAll(PACKAGE_ROOT, '<root>').replace(/\/[^\s`"]*?\/(logs|data|static)"/g, '<root>/$1"');
    expect(normal(doc)).to.equal(normal(stdout));
  });

  it('documents every declared setting', function () {
    const doc = readFileSync(join(PACKAGE_ROOT, 'docs', 'settings.md'), 'utf8');
    for (const name of Object.keys(DECLARATIONS)) {
      expect(doc).to.include(`\`${name}\``);
    }
  });
});
