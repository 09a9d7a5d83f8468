import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { tempDir } from '../helpers/server.js';
import { runCli } from '../master/support.js';

/** The value and source `oq-webui check` prints for one setting. */
function row(stdout: string, name: string): { value: string; source: string } {
  const line = stdout.split('\n').find((l) => l.startsWith(`${name} `));
  const m = line ? /^\S+\s+(.*)\s+\((default|file|env|cli)\)$/.exec(line) : null;
  if (!m) {
    throw new Error(`no row for ${name} in:\n${stdout}`);
  }
  return { value: m[1].trim(), source: m[2] };
}

describe('settings: where each value comes from', function () {
  let dir: string;
  let config: string;

  before(function () {
    dir = tempDir();
    config = join(dir, 'local_settings.json');
    writeFileSync(config, `{
  // comments are allowed in the settings file
  "TIMEOUT": 11,            /* given in the file, the environment and on the command line */
  "GRACEFUL_TIMEOUT": 12,   // in the file and the environment
  "MAX_REQUESTS": 13,       // in the file only
  /* a string that looks like a comment stays a string: */
  "STATIC_ROOT": "/var/www//webui"
}
`);
  });

  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes the command line over the environment over the settings file over the defaults', async function () {
    const r = await runCli(['check', '--config', config, '--timeout', '31', '--log-dir', join(dir, 'logs'), '--data-dir', join(dir, 'data')], {
      env: { OQ_WEBUI_TIMEOUT: '21', OQ_WEBUI_GRACEFUL_TIMEOUT: '22' },
    });
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(row(r.stdout, 'TIMEOUT')).to.deep.equal({ value: '31', source: 'cli' });
    expect(row(r.stdout, 'GRACEFUL_TIMEOUT')).to.deep.equal({ value: '22', source: 'env' });
    expect(row(r.stdout, 'MAX_REQUESTS')).to.deep.equal({ value: '13', source: 'file' });
    expect(row(r.stdout, 'KEEPALIVE')).to.deep.equal({ value: '5', source: 'default' });
  });

  it('reads a settings file with // and /* */ comments, leaving // inside strings alone', async function () {
    const r = await runCli(['check', '--config', config, '--log-dir', join(dir, 'logs'), '--data-dir', join(dir, 'data')]);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(row(r.stdout, 'STATIC_ROOT')).to.deep.equal({ value: '"/var/www//webui"', source: 'file' });
    expect(row(r.stdout, 'TIMEOUT')).to.deep.equal({ value: '11', source: 'file' });
  });

  it('finds the settings file through $OQ_WEBUI_CONFIG', async function () {
    const r = await runCli(['check', '--log-dir', join(dir, 'logs'), '--data-dir', join(dir, 'data')], { env: { OQ_WEBUI_CONFIG: config } });
    expect(r.stdout).to.include(`Settings file: ${config}`);
    expect(row(r.stdout, 'MAX_REQUESTS')).to.deep.equal({ value: '13', source: 'file' });
  });

  it('takes the number of workers from $WEB_CONCURRENCY', async function () {
    const r = await runCli(['check', '--log-dir', join(dir, 'logs'), '--data-dir', join(dir, 'data')], { env: { WEB_CONCURRENCY: '7' } });
    expect(row(r.stdout, 'WORKERS')).to.deep.equal({ value: '7', source: 'env' });
  });
});
