import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { PACKAGE_ROOT } from '../../src/paths.js';

describe('README: the first commands', function () {
  const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
  const block = /^```sh\n([\s\S]*?)\n```/m.exec(readme)?.[1] ?? '';
  const commands = block.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);

  it('are two commands: build and serve, and the test run', function () {
    expect(commands).to.deep.equal(['npm ci && npm start', 'bash .ci/run']);
  });

  it('run the tests without sudo (a root machine may have none), saying they need root', function () {
    expect(block).not.to.match(/\bsudo bash\b/);
    expect(block).to.match(/bash \.ci\/run\s+# as root/);
    expect(readFileSync(join(PACKAGE_ROOT, '.ci', 'run'), 'utf8')).not.to.match(/^\s*sudo /m);
  });
});
