import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.js';

const run = promisify(execFile);
const CONFIG = join(PACKAGE_ROOT, 'config', 'logrotate', 'oq-webui');
const FILTER = join(PACKAGE_ROOT, 'config', 'fail2ban', 'filter.d', 'oq-webui.conf');

/** A whole access.log line of one of our numbered requests (gunicorn's format plus the response time). */
const ACCESS_LINE = /^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/v1\/engine_version\?n=(\d+) HTTP\/1\.1" \d{3} \d+ "-" "[^"]*"(?: \S+)*$/;
/** A whole webui-access.log line of one of our numbered failed logins. */
const LOGIN_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - \S+ - WARNING - User "rot-(\d+)" \(IP: 127\.0\.0\.1\) failed to log in through page \S+ \(the username does not exist\)$/;

/** Any other whole access.log line (the logins' POSTs). */
const OTHER_ACCESS_LINE = /^\S+ - \S+ \[[^\]]+\] "(?:POST|GET) \/accounts\/[^"]*" \d{3} (?:\d+|-) "[^"]*" "[^"]*"(?: \S+)*$/;

/** The shipped file with this test's paths: its log folder, its pidfile, root instead of the service user. */
function installConfig(server: RunningServer, dir: string): string {
  const text = readFileSync(CONFIG, 'utf8')
    .replace('/var/log/oq-webui/access.log /var/log/oq-engine/webui-access.log', `${join(server.logDir, 'access.log')} ${join(server.logDir, 'webui-access.log')}`)
    .replaceAll('/run/oq-webui/oq-webui.pid', server.pidfile)
    .replace('su openquake openquake', 'su root root')
    .replace('create 0640 openquake openquake', 'create 0640 root root');
  expect(text.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n')).to.not.match(/\/var\/log|\/run\/|openquake/);
  const conf = join(dir, 'oq-webui');
  writeFileSync(conf, text);
  return conf;
}

/** Numbers of the lines in `text` that match `re` (all must); throws on a line that does not: a torn or mixed line. */
function numbered(text: string, re: RegExp, other: (line: string) => boolean = () => false): number[] {
  const out: number[] = [];
  for (const line of text.split('\n').filter(Boolean)) {
    const m = re.exec(line);
    if (m) {
      out.push(Number(m[1]));
    } else if (!other(line)) {
      throw new Error(`a line that is not whole: ${JSON.stringify(line)}`);
    }
  }
  return out;
}

describe('logrotate with the shipped config/logrotate/oq-webui', function () {
  this.timeout(120_000);
  let server: RunningServer | null = null;

  after(async function () {
    await server?.stop();
  });

  it('rotates access.log and webui-access.log while requests and failed logins stream in: no line lost, none torn, Fail2Ban reads the new file', async function () {
    server = await startServer({ workers: 2, settings: { LOCKDOWN: true, LOGIN_FAILURE_LIMIT: 0 } });
    const s = server;
    const dir = tempDir('oq-webui-logrotate-');
    const conf = installConfig(s, dir);
    const state = join(dir, 'logrotate.state');

    let going = true;
    let requests = 0;
    let logins = 0;
    const get = async (): Promise<void> => {
      while (going && requests < 5000) {
        const n = requests++;
        const res = await s.fetch(`/v1/engine_version?n=${n}`, { headers: { 'user-agent': 'logrotate-test' } });
        await res.text(); // 403 under LOCKDOWN (not logged in): a line all the same
      }
    };
    const failLogin = async (): Promise<void> => {
      while (going && logins < 2000) {
        const n = logins++;
        const res = await s.fetch('/accounts/ajax_login/', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ username: `rot-${n}`, password: 'not-the-password' }).toString(),
        });
        await res.text();
        expect(res.status).to.equal(403);
      }
    };
    const streams = [get(), get(), get(), failLogin(), failLogin()];
    const access = join(s.logDir, 'access.log');
    const webui = join(s.logDir, 'webui-access.log');
    try {
      await waitFor(() => requests > 100 && logins > 10, 60_000, 'traffic before the rotation');
      const { stderr } = await run('logrotate', ['-f', '-v', '-s', state, conf]);
      expect(stderr).to.match(/rotating log .*access\.log/);
      expect(existsSync(`${access}.1`) && existsSync(`${webui}.1`), stderr).to.equal(true);
      const [r0, l0] = [requests, logins];
      // traffic after the rotation, into the new files
      await waitFor(() => requests > r0 + 100 && logins > l0 + 10, 60_000, 'traffic after the rotation');
    } finally {
      going = false;
      await Promise.all(streams);
    }

    // every request's line and every failed login's line, exactly once, whole, in one of the two files
    const isLoginPage = (l: string) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - \S+ - (?:INFO|WARNING) - [^\n]+$/.test(l) && !/rot-\d+/.test(l);
    const isOtherAccess = (l: string) => OTHER_ACCESS_LINE.test(l);
    const accessNumbers = async () => {
      const both = [readFileSync(`${access}.1`, 'utf8'), readFileSync(access, 'utf8')];
      return both.flatMap((t) => numbered(t, ACCESS_LINE, isOtherAccess));
    };
    const loginNumbers = async () => {
      const both = [readFileSync(`${webui}.1`, 'utf8'), readFileSync(webui, 'utf8')];
      return both.flatMap((t) => numbered(t, LOGIN_LINE, isLoginPage));
    };
    // the lines travel from the workers to the master after the responses: wait for the last ones
    await waitFor(async () => (await accessNumbers()).length >= requests && (await loginNumbers()).length >= logins, 10_000, 'every line written').catch(() => undefined);
    const a = (await accessNumbers()).sort((x, y) => x - y);
    const l = (await loginNumbers()).sort((x, y) => x - y);
    expect(a).to.deep.equal(Array.from({ length: requests }, (_, i) => i));
    expect(l).to.deep.equal(Array.from({ length: logins }, (_, i) => i));
    // both files got lines: the rotation happened in the middle of the stream
    const newAccess = numbered(readFileSync(access, 'utf8'), ACCESS_LINE, isOtherAccess);
    expect(newAccess.length).to.be.greaterThan(0);
    expect(numbered(readFileSync(`${access}.1`, 'utf8'), ACCESS_LINE, isOtherAccess).length).to.be.greaterThan(0);

    // Fail2Ban's filter matches every failed login in the new file
    const newLogins = numbered(readFileSync(webui, 'utf8'), LOGIN_LINE, isLoginPage).length;
    expect(newLogins).to.be.greaterThan(0);
    const { stdout } = await run('fail2ban-regex', [webui, FILTER]);
    const total = /Lines: \d+ lines, \d+ ignored, (\d+) matched/.exec(stdout);
    expect(total, stdout).to.not.equal(null);
    expect(Number(total?.[1])).to.equal(newLogins);
  });
});
