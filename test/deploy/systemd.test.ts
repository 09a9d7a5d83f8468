import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { tempDir } from '../helpers/server.js';

const run = promisify(execFile);
const SERVICE = join(PACKAGE_ROOT, 'systemd', 'oq-webui.service');
const SOCKET = join(PACKAGE_ROOT, 'systemd', 'oq-webui.socket');

/**
 * The shipped units with their paths pointed at this checkout (as the README's install does for
 * /opt/oq-webui): the installed `bin/oq-webui` link becomes this checkout's bin/oq-webui.js.
 */
function installUnits(edit: (text: string) => string = (t) => t): { dir: string; service: string; socket: string } {
  const dir = tempDir('oq-webui-units-');
  const service = join(dir, 'oq-webui.service');
  const socket = join(dir, 'oq-webui.socket');
  const adjusted = readFileSync(SERVICE, 'utf8')
    .replaceAll('/opt/oq-webui/bin/oq-webui ', `${join(PACKAGE_ROOT, 'bin', 'oq-webui.js')} `)
    .replaceAll('/opt/oq-webui', PACKAGE_ROOT)
    .replaceAll('/usr/bin/node', process.execPath);
  writeFileSync(service, edit(adjusted));
  writeFileSync(socket, readFileSync(SOCKET, 'utf8'));
  return { dir, service, socket };
}

/** systemd-analyze verify's complaints (empty when the unit is sound). */
async function verify(...units: string[]): Promise<string> {
  try {
    const { stderr } = await run('systemd-analyze', ['verify', ...units]);
    return stderr.trim();
  } catch (e) {
    return ((e as { stderr?: string }).stderr ?? String(e)).trim() || 'failed';
  }
}

/** One `Key=value` of the unit, the last one given (as systemd reads repeated keys). */
function setting(text: string, key: string): string | undefined {
  const lines = text.split('\n').filter((l) => l.startsWith(`${key}=`));
  return lines.at(-1)?.slice(key.length + 1);
}

describe('the shipped systemd units', function () {
  this.timeout(60_000);

  it('pass systemd-analyze verify (service and socket) once pointed at this installation', async function () {
    const { service, socket } = installUnits();
    expect(await verify(service, socket)).to.equal('');
  });

  it('are rejected by systemd-analyze verify when broken (so the check above can fail)', async function () {
    const { service } = installUnits((t) => t.replace(/^ExecStart=\S+/m, 'ExecStart=/nonexistent/node'));
    expect(await verify(service)).to.match(/nonexistent|not found|No such file/i);
    const typo = installUnits((t) => t.replace(/^Type=notify$/m, 'Type=notifyy'));
    expect(await verify(typo.service)).to.match(/notifyy|Type/);
  });

  it('is hardened: systemd-analyze security --offline rates its exposure OK (3.0 or less)', async function () {
    const { service } = installUnits();
    let out: string;
    try {
      out = (await run('systemd-analyze', ['security', '--offline=true', service])).stdout;
    } catch (e) {
      // it exits non-zero above --threshold (default 100): keep what it printed
      out = (e as { stdout: string }).stdout;
    }
    const m = /Overall exposure level for oq-webui\.service: ([\d.]+) (\w+)/.exec(out);
    expect(m, out).to.not.equal(null);
    const [, score, word] = m as RegExpExecArray;
    console.log(`      exposure score: ${score} ${word}`);
    expect(Number(score)).to.be.at.most(3.0);
    expect(word).to.equal('OK');
  });

  it('runs the seed\'s production line as a notify service whose start command our CLI accepts', async function () {
    const { service, dir } = installUnits();
    const text = readFileSync(service, 'utf8');
    expect(setting(text, 'Type')).to.equal('notify');
    expect(setting(text, 'ExecReload')).to.equal('/bin/kill -s HUP $MAINPID');
    expect(setting(text, 'KillMode')).to.equal('mixed');
    expect(setting(text, 'RestartPreventExitStatus')).to.equal('2 3 4');
    const exec = (setting(text, 'ExecStart') as string).split(' ');
    expect(exec.slice(2, 10)).to.deep.equal(['start', '--bind', '127.0.0.1:8800', '--workers', '4', '--timeout', '1200', '--pid']);
    // the same flags, folders moved into a temp dir, given to `oq-webui check`: all valid
    const args = exec.slice(1).map((a) => a.replace(/^\/(run|var)\//, `${dir}/$1/`));
    args[1] = 'check';
    for (const d of ['var/lib/oq-webui', 'var/log/oq-webui', 'run/oq-webui']) {
      mkdirSync(join(dir, d), { recursive: true });
    }
    const config = join(dir, 'local_settings.json');
    writeFileSync(config, JSON.stringify({ WEBUI_ACCESS_LOG_DIR: join(dir, 'var/log/oq-webui') }));
    const { stdout } = await run(exec[0], [...args, '--config', config]);
    expect(stdout).to.match(/^BIND\s+\["127\.0\.0\.1:8800"\]/m);
    expect(stdout).to.match(/^WORKERS\s+4\b/m);
  });

  it('keep the service\'s writable folders to the data, the logs and webui-access.log', function () {
    const text = readFileSync(SERVICE, 'utf8');
    expect(setting(text, 'ProtectSystem')).to.equal('strict');
    expect(setting(text, 'ReadWritePaths')?.split(' ')).to.have.members(['/var/lib/oq-webui', '/var/log/oq-webui', '/var/log/oq-engine']);
    const exec = setting(text, 'ExecStart') as string;
    expect(exec).to.contain('--data-dir /var/lib/oq-webui').and.to.contain('--log-dir /var/log/oq-webui').and.to.contain('--pid /run/oq-webui/');
    // the settings templates put webui-access.log in a folder the unit lets it write
    for (const t of ['local_settings.json.server', 'local_settings.json.pam']) {
      expect(readFileSync(join(PACKAGE_ROOT, 'config', t), 'utf8')).to.contain('"WEBUI_ACCESS_LOG_DIR": "/var/log/oq-engine"');
    }
  });
});
