import { VENV } from '../helpers/engine.js';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { findProgram } from '../../src/cli/extra-checks.js';
import { FAKE_OQ, tempDir } from '../helpers/server.js';
import { runCli } from '../master/support.js';

describe('oq-webui check: what a first-time operator trips on', function () {
  let dir: string;

  before(function () {
    dir = tempDir();
    mkdirSync(join(dir, 'logs'));
    mkdirSync(join(dir, 'static'));
    writeFileSync(join(dir, 'a-file'), 'not a folder\n');
  });

  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Settings where everything is in order, with `over` on top. */
  function config(over: Record<string, unknown>): string {
    const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify({
      WEBUI_USER: 'root', STATIC_ROOT: join(dir, 'static'), WEBUI_ACCESS_LOG_DIR: join(dir, 'logs'),
      ENGINE_COMMAND: [FAKE_OQ, 'engine', '--run', '{job_ini}'], BRIDGE_PYTHON: join(VENV, 'bin', 'python'), ...over,
    }));
    return path;
  }

  const check = (cfg: string, ...more: string[]) =>
    runCli(['check', '--config', cfg, '--log-dir', join(dir, 'logs'), '--data-dir', join(dir, 'data'), ...more]);

  it('warns about a WEBUI_USER, WEBUI_ACCESS_LOG_DIR, STATIC_ROOT and ENGINE_COMMAND program that do not exist, and exits 0 (start would run)', async function () {
    const r = await check(config({
      WEBUI_USER: 'no-such-user-xyz',
      WEBUI_ACCESS_LOG_DIR: join(dir, 'missing-access-logs'),
      STATIC_ROOT: join(dir, 'missing-static'),
      ENGINE_COMMAND: ['no-such-engine-xyz', 'engine', '--run', '{job_ini}'],
    }));
    expect(r.code, r.stdout).to.equal(0);
    expect(r.stdout).to.include('4 warning(s):');
    expect(r.stdout).to.match(/^Warning: WEBUI_USER: there is no user "no-such-user-xyz"/m);
    expect(r.stdout).to.match(/^Warning: WEBUI_ACCESS_LOG_DIR: .*missing-access-logs does not exist/m);
    expect(r.stdout).to.match(/^Warning: STATIC_ROOT: .*missing-static does not exist/m);
    expect(r.stdout).to.match(/^Warning: ENGINE_COMMAND: the program "no-such-engine-xyz" is not on the PATH/m);
    expect(r.stdout).not.to.include('No problems found.');
  });

  it('says nothing when all of them exist', async function () {
    const r = await check(config({}));
    expect(r.code, r.stdout).to.equal(0);
    expect(r.stdout).to.include('No problems found.');
  });

  it('agrees with start on the exit status of a log folder that cannot be made (1)', async function () {
    const cfg = config({ WEBUI_ACCESS_LOG_DIR: join(dir, 'a-file', 'logs') });
    const args = ['--config', cfg, '--log-dir', join(dir, 'a-file', 'logs'), '--data-dir', join(dir, 'data'), '--bind', '127.0.0.1:0', '--workers', '1'];
    const [checked, started] = await Promise.all([runCli(['check', ...args]), runCli(['start', ...args])]);
    expect(checked.code, checked.stdout).to.equal(1);
    expect(checked.stdout).to.match(/^Error: LOG_DIR: .*a-file\/logs cannot be created or written/m);
    expect(started.code).to.equal(1);
    // one line in the same words, not a stack trace
    expect(started.stderr).to.match(/^Error: LOG_DIR: .*a-file\/logs cannot be created or written by this user \(ENOTDIR\)\n$/);
  });

  it('agrees with start on the exit status of invalid settings (2)', async function () {
    const cfg = config({ TIMEOUT: 'soon' });
    const [checked, started] = await Promise.all([check(cfg), runCli(['start', '--config', cfg, '--log-dir', join(dir, 'logs'), '--data-dir', join(dir, 'data')])]);
    expect(checked.code).to.equal(2);
    expect(started.code).to.equal(2);
  });

  it('finds a program on the PATH or by its path', function () {
    expect(findProgram('sh', '/usr/bin:/bin')).to.match(/\/sh$/);
    expect(findProgram(process.execPath)).to.equal(process.execPath);
    expect(findProgram('no-such-engine-xyz', '/usr/bin:/bin')).to.equal(null);
    expect(findProgram(join(dir, 'a-file'))).to.equal(null);
  });
});
