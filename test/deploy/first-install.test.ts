import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { tempDir } from '../helpers/server.js';

const run = promisify(execFile);

/**
 * What the README's production walk-through tripped on: a webui-access.log left in
 * WEBUI_ACCESS_LOG_DIR by a first run as root. The folder belongs to the service user, so the
 * folder checks pass and the server starts, but it cannot append to the file: every login line
 * is lost and Fail2Ban sees nothing. `oq-webui check`, run as the service user, says so.
 * The service user here is `nobody` (we are root: root can write any file).
 */
describe('oq-webui check as the service user, on a first install', function () {
  let dir = '';
  after(function () {
    if (dir) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('warns about a webui-access.log the service user cannot write, and not once it is chowned', async function () {
    dir = tempDir('oq-webui-first-install-');
    chmodSync(dir, 0o755);
    const uid = Number((await run('id', ['-u', 'nobody'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'nobody'])).stdout.trim());
    const folders = { data: join(dir, 'data'), logs: join(dir, 'logs'), engineLogs: join(dir, 'oq-engine') };
    for (const f of Object.values(folders)) {
      mkdirSync(f);
      chownSync(f, uid, gid);
    }
    const stale = join(folders.engineLogs, 'webui-access.log');
    writeFileSync(stale, '', { mode: 0o640 }); // root's, as a first run as root leaves it
    const config = join(dir, 'local_settings.json');
    writeFileSync(config, JSON.stringify({ WEBUI_ACCESS_LOG_DIR: folders.engineLogs, STATIC_ROOT: dir, WEBUI_USER: 'nobody' }));
    const check = (): Promise<{ stdout: string; stderr: string }> => run('runuser', ['-u', 'nobody', '--', process.execPath,
      join(PACKAGE_ROOT, 'bin', 'oq-webui.js'), 'check', '--config', config, '--data-dir', folders.data, '--log-dir', folders.logs]);

    const before = await check(); // exit 0: start would run, with that file's lines lost
    expect(before.stdout + before.stderr).to.contain(`Warning: ${stale} cannot be written by this user`);

    chownSync(stale, uid, gid); // the README's `chown -R openquake: /var/log/oq-engine`
    const after = await check();
    expect(after.stdout + after.stderr).to.not.contain(stale);
  });
});
