import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { tempDir } from '../helpers/server.js';

const run = promisify(execFile);
const UNIT = join(PACKAGE_ROOT, 'systemd', 'oq-webui.service');

describe('the shipped systemd unit', function () {
  it('passes systemd-analyze verify once pointed at this installation', async function () {
    const dir = tempDir();
    const unit = join(dir, 'oq-webui.service');
    writeFileSync(unit, readFileSync(UNIT, 'utf8').replaceAll('/opt/oq-webui', PACKAGE_ROOT).replaceAll('/usr/bin/node', process.execPath));
    const { stderr } = await run('systemd-analyze', ['verify', unit]);
    expect(stderr.trim()).to.equal('');
  });

  it('starts the production line of the seed, reloads with HUP and stops with TERM to the master', function () {
    const text = readFileSync(UNIT, 'utf8');
    expect(text).to.match(/^ExecStart=\S+ \S+\/bin\/oq-webui\.js start --bind 127\.0\.0\.1:8800 --workers 4 --timeout 1200 /m);
    expect(text).to.match(/^ExecReload=\/bin\/kill -s HUP \$MAINPID$/m);
    expect(text).to.match(/^KillMode=mixed$/m);
    expect(text).to.match(/^RestartPreventExitStatus=2 3 4$/m);
  });
});
