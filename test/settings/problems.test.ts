import { VENV } from '../helpers/engine.js';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { FAKE_OQ, freePort, tempDir } from '../helpers/server.js';
import { runCli } from '../master/support.js';

describe('settings: invalid values stop the start', function () {
  let dir: string;
  let config: string;

  before(function () {
    dir = tempDir();
    config = join(dir, 'local_settings.json');
    writeFileSync(config, JSON.stringify({ WORKERZ: 3, TIMEOUT: 'soon', LOG_LEVEL: 'loud' }));
  });

  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 2 with one line per problem naming the key, the value given and what is expected', async function () {
    const port = await freePort();
    const pid = join(dir, 'oq-webui.pid');
    const r = await runCli(['start', '--config', config, '--bind', `127.0.0.1:${port}`, '--workers', '0', '--pid', pid,
      '--log-dir', join(dir, 'logs'), '--data-dir', join(dir, 'data')]);
    expect(r.code, r.stderr).to.equal(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).to.have.length(4);
    const byKey = (key: string): string => lines.find((l) => l.startsWith(`Error: ${key}:`)) ?? '';
    expect(byKey('WORKERZ')).to.include('3').and.include('unknown setting').and.include('did you mean WORKERS?');
    expect(byKey('TIMEOUT')).to.include('"soon"').and.include(config).and.include('expected an integer >= 0');
    expect(byKey('LOG_LEVEL')).to.include('"loud"').and.include('expected one of debug, info, warning, error, critical');
    expect(byKey('WORKERS')).to.include('"0"').and.include('--workers').and.include('expected an integer >= 1');
    expect(existsSync(pid), 'no pidfile is written').to.equal(false);
  });

  it('names the environment variable a bad value came from', async function () {
    const r = await runCli(['start', '--log-dir', join(dir, 'logs'), '--data-dir', join(dir, 'data')], { env: { WEB_CONCURRENCY: 'many' } });
    expect(r.code).to.equal(2);
    expect(r.stderr.trim()).to.equal('Error: WORKERS: got "many" (from $WEB_CONCURRENCY); expected an integer >= 1');
  });

  it('refuses a settings file that is not JSON, saying where', async function () {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "TIMEOUT": 3,, }');
    const r = await runCli(['start', '--config', broken, '--log-dir', join(dir, 'logs'), '--data-dir', join(dir, 'data')]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include(broken).and.include('not valid JSON');
  });

  it('names the line and column of a JSON error in the settings file, comments counted', async function () {
    const broken = join(dir, 'broken-lines.json');
    writeFileSync(broken, '{\n  // the workers\n  "WORKERS": 2,\n  "TIMEOUT": 3\n  "KEEPALIVE": 5\n}\n');
    const r = await runCli(['start', '--config', broken, '--log-dir', join(dir, 'logs'), '--data-dir', join(dir, 'data')]);
    expect(r.code).to.equal(2);
    expect(r.stderr.trim()).to.equal(`Error: config: ${broken} is not valid JSON: Expected ',' or '}' after property value at line 5, column 3`);
    const cut = join(dir, 'cut.json');
    writeFileSync(cut, '{\n  "WORKERS": ');
    const r2 = await runCli(['check', '--config', cut]);
    expect(r2.stdout + r2.stderr).to.include(`${cut} is not valid JSON: Unexpected end of JSON input at line 2, column 14 (the end of the file)`);
  });

  it('refuses an unknown command-line flag with exit 2, suggesting the one meant', async function () {
    const r = await runCli(['start', '--wokers', '2']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include('unrecognized option --wokers (did you mean --workers?)');
  });
});

describe('oq-webui check', function () {
  let dir: string;
  const secret = 'k'.repeat(20) + 'SECRETVALUE' + 'z'.repeat(20);

  before(function () {
    dir = tempDir();
  });

  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints every effective setting with its source, secrets masked, and exits 0 when all is well', async function () {
    const config = join(dir, 'ok.json');
    // an existing user, folders and engine program: nothing to warn about either
    mkdirSync(join(dir, 'logs'), { recursive: true });
    mkdirSync(join(dir, 'static'), { recursive: true });
    writeFileSync(config, JSON.stringify({ SECRET_KEY: secret, LOCKDOWN: true, WEBUI_USER: 'root', STATIC_ROOT: join(dir, 'static'), ENGINE_COMMAND: [FAKE_OQ, 'engine', '--run', '{job_ini}'], BRIDGE_PYTHON: join(VENV, 'bin', 'python') }));
    const r = await runCli(['check', '--config', config, '--log-dir', join(dir, 'logs'), '--data-dir', join(dir, 'data')]);
    expect(r.code, r.stdout).to.equal(0);
    expect(r.stdout).not.to.include('SECRETVALUE');
    expect(r.stdout).to.match(/^SECRET_KEY\s+\*{8}\s+\(file\)$/m);
    expect(r.stdout).to.match(/^LOCKDOWN\s+true\s+\(file\)$/m);
    expect(r.stdout).to.match(/^BIND\s+\["127\.0\.0\.1:8800"\]\s+\(default\)$/m);
    expect(r.stdout).to.include('No problems found.');
    const { DECLARATIONS } = await import('../../src/settings/declarations.js');
    for (const name of Object.keys(DECLARATIONS)) {
      expect(r.stdout, name).to.match(new RegExp(`^${name}\\s.*\\((default|file|env|cli)\\)$`, 'm'));
    }
  });

  it('masks a secret given on the environment too', async function () {
    const r = await runCli(['check', '--log-dir', join(dir, 'logs'), '--data-dir', join(dir, 'data')], { env: { OQ_WEBUI_SECRET_KEY: secret } });
    expect(r.stdout).not.to.include('SECRETVALUE');
    expect(r.stdout).to.match(/^SECRET_KEY\s+\*{8}\s+\(env\)$/m);
  });

  it('lists every problem and exits 2, as start does for invalid settings', async function () {
    const config = join(dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ SECRET_KEY: 'short', KEEPALIVE: -1, BIND: ['nowhere'] }));
    const r = await runCli(['check', '--config', config, '--log-dir', join(dir, 'logs'), '--data-dir', join(dir, 'data')]);
    expect(r.code).to.equal(2);
    expect(r.stdout).to.include('3 problem(s):');
    expect(r.stdout).to.match(/^Error: SECRET_KEY: .*expected at least 32 characters/m);
    expect(r.stdout).not.to.include('"short"');
    expect(r.stdout).to.match(/^Error: KEEPALIVE: got -1 .*expected an integer >= 0$/m);
    expect(r.stdout).to.match(/^Error: BIND: got \["nowhere"\] .*expected HOST:PORT/m);
  });
});
