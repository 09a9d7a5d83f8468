import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { FAKE_OQ, startServer, tempDir, type RunningServer } from '../helpers/server.js';

const run = promisify(execFile);

function version(pkgDir: string): string {
  return (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * The README's install, for real: `npm pack` the project, `npm install -g --prefix` the tarball
 * (npm compiles the native addons it is allowed to), then `oq-webui check`, `migrate` and `start`
 * from the installed copy, with the installed `oq-webui` on the PATH.
 *
 * One shortcut, to keep the test near a minute on two cores: sqlite3's compile (SQLite itself,
 * a minute or two here; `npm ci` compiles the very same sources for every test run) is not
 * repeated when the installed sqlite3 is the version this checkout built: its N-API binary is
 * copied in. Any other version is compiled as the README says.
 */
describe('the install path: npm pack, npm install -g --prefix, oq-webui check / migrate / start', function () {
  this.timeout(300_000);
  let server: RunningServer | null = null;
  let dir = '';

  after(async function () {
    await server?.stop();
    if (dir) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('installs from the packed tarball and serves from the installed copy', async function () {
    dir = tempDir('oq-webui-install-');
    // the package: built dist/ included (package.json "files"), tests and benchmarks not
    await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: PACKAGE_ROOT });
    const tarball = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz')) as string);
    const listing = (await run('tar', ['tzf', tarball], { maxBuffer: 16 * 1024 * 1024 })).stdout.split('\n');
    for (const f of ['bin/oq-webui.js', 'dist/src/cli/main.js', 'dist/master/main.js', 'dist/worker/main.js', 'dist/worker/runner-main.js',
      'dist/worker/main.bundle.mjs', 'dist/worker/main.bundle.json',
      'config/local_settings.json.server', 'config/local_settings.json.pam', 'config/pam.d/oq-webui', 'config/common-passwords.txt',
      'config/nginx/oq-webui.conf', 'config/logrotate/oq-webui', 'config/fail2ban/filter.d/oq-webui.conf',
      'systemd/oq-webui.service', 'systemd/oq-webui.socket', 'README.md']) {
      expect(listing, f).to.include(`package/${f}`);
    }
    expect(listing.filter((f) => /^package\/(dist\/(test|bench)|test|src|master|worker|node_modules)\//.test(f))).to.deep.equal([]);
    expect(listing).to.not.include('package/config/local_settings.json');

    // npm install -g --prefix, as the README says; npm follows the package's own "allowScripts"
    // (sqlite3, better-sqlite3, authenticate-pam, unix-dgram). Here the scripts run in a second step,
    // so that the two SQLite builds can be skipped (see above); the two small addons are compiled for real.
    const prefix = join(dir, 'prefix');
    const started = Date.now();
    const big = { maxBuffer: 64 * 1024 * 1024 };
    await run('npm', ['install', '-g', '--prefix', prefix, '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', tarball], big);
    const pkg = join(prefix, 'lib', 'node_modules', 'oq-webui');
    expect((JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { allowScripts: Record<string, boolean> }).allowScripts)
      .to.include({ sqlite3: true, 'better-sqlite3': true, 'authenticate-pam': true, 'unix-dgram': true });
    await run('npm', ['rebuild', '-g', '--prefix', prefix, 'unix-dgram', 'authenticate-pam'], big);
    for (const [name, addon] of [['sqlite3', 'node_sqlite3.node'], ['better-sqlite3', 'better_sqlite3.node']]) {
      const here = join(PACKAGE_ROOT, 'node_modules', name);
      const there = join(pkg, 'node_modules', name);
      if (version(there) === version(here)) {
        mkdirSync(join(there, 'build', 'Release'), { recursive: true });
        copyFileSync(join(here, 'build', 'Release', addon), join(there, 'build', 'Release', addon));
      } else {
        await run('npm', ['rebuild', '-g', '--prefix', prefix, name], { ...big, env: { ...process.env, npm_config_build_from_source: 'true' } });
      }
    }
    console.log(`      npm install -g took ${((Date.now() - started) / 1000).toFixed(0)} s`);
    // the two small addons were compiled by npm rebuild
    expect(existsSync(join(pkg, 'node_modules', 'unix-dgram', 'build', 'Release', 'unix_dgram.node'))).to.equal(true);
    expect(existsSync(join(pkg, 'node_modules', 'authenticate-pam', 'build', 'Release', 'authenticate_pam.node'))).to.equal(true);
    // no development packages
    expect(existsSync(join(pkg, 'node_modules', 'mocha'))).to.equal(false);
    expect(existsSync(join(pkg, 'node_modules', 'typescript'))).to.equal(false);

    // oq-webui on the PATH: the link npm made in PREFIX/bin
    const bin = join(prefix, 'bin', 'oq-webui');
    expect(realpathSync(bin)).to.equal(join(pkg, 'bin', 'oq-webui.js'));
    const env = { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}` };
    const config = join(dir, 'local_settings.json');
    const data = join(dir, 'data');
    const logs = join(dir, 'logs');
    writeFileSync(config, JSON.stringify({
      ENGINE_COMMAND: [FAKE_OQ, 'engine', '--run', '{job_ini}', '--exports', 'csv', '-p', 'export_dir={export_dir}'],
      LOCKDOWN: true,
    }));
    const common = ['--config', config, '--data-dir', data, '--log-dir', logs];

    const check = await run('oq-webui', ['check', ...common], { env });
    expect(check.stdout).to.contain(`Settings file: ${config}`);
    expect(check.stdout).to.match(new RegExp(`^DATA_DIR\\s+"${data}"`, 'm'));

    const migrate = await run('oq-webui', ['migrate', '--config', config, '--data-dir', data], { env });
    expect(migrate.stdout + migrate.stderr).to.match(/Applying 0001_\w+\.\.\. OK/);
    expect(existsSync(join(data, 'webui.sqlite3'))).to.equal(true);

    // start from the installed copy; its workers run the installed code
    mkdirSync(join(dir, 'run'));
    server = await startServer({ bin, workers: 2, args: ['--data-dir', data], dir: join(dir, 'run'), settings: { LOCKDOWN: true } });
    const res = await server.fetch('/accounts/login/');
    expect(res.status).to.equal(200);
    expect(await res.text()).to.match(/<form/i);
    const api = await server.fetch('/v1/calc/list');
    expect(api.status).to.equal(403);
    for (const pid of await server.readyWorkers()) {
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).to.contain(join(pkg, 'dist', 'worker', 'main.js'));
    }
    // what the workers run there is the bundle tests and bench run (the installed launcher's own decision)
    const workerDir = join(pkg, 'dist', 'worker');
    const files = await import(pathToFileURL(join(pkg, 'dist', 'src', 'worker-bundle-files.js')).href) as typeof import('../../src/worker-bundle-files.js');
    expect(files.currentBundle(workerDir, pkg, join(workerDir, 'main.js'))).to.equal(join(workerDir, 'main.bundle.mjs'));
  });
});
