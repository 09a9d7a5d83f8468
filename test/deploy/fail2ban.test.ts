import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { accountFactory, GOOD_PASSWORD, login } from '../helpers/accounts.js';
import { startServer, waitFor, type RunningServer } from '../helpers/server.js';

const run = promisify(execFile);
const FILTER = join(PACKAGE_ROOT, 'config', 'fail2ban', 'filter.d', 'oq-webui.conf');

/** Runs the real fail2ban-regex on a log file with our filter; returns the IPs it would ban, one per match. */
async function bannedIps(logFile: string): Promise<string[]> {
  const { stdout } = await run('fail2ban-regex', ['--print-all-matched', '--raw', logFile, FILTER]);
  const matched = stdout.split('|- Matched line(s):')[1]?.split('|- Missed line(s):')[0] ?? '';
  const ips: string[] = [];
  for (const m of matched.matchAll(/\(IP: ([^)]+)\) failed to log in/g)) {
    ips.push(m[1]);
  }
  const total = /Lines: \d+ lines, \d+ ignored, (\d+) matched/.exec(stdout);
  expect(total, stdout).to.not.equal(null);
  expect(Number(total?.[1]), stdout).to.equal(ips.length);
  return ips;
}

async function ajaxLogin(server: RunningServer, username: string, password: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await server.fetch('/accounts/ajax_login/', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ username, password }).toString(),
  });
  await res.text();
  return res.status;
}

describe('Fail2Ban reads webui-access.log with the shipped filter', function () {
  let server: RunningServer;

  before(async function () {
    server = await startServer({
      workers: 2,
      settings: { LOCKDOWN: true, USE_REVERSE_PROXY: true, LOGIN_FAILURE_LIMIT: 0 },
    });
    const f = await accountFactory(server);
    await f.createUser({ username: 'alice' });
    await f.createUser({ username: 'disabled', isActive: false });
    await f.close();
  });

  after(async function () {
    await server?.stop();
  });

  it('matches every failed login (wrong password, unknown user, disabled account) and no successful one, with the real client IP even when X-Forwarded-For is forged', async function () {
    // direct, from the loopback peer
    expect(await ajaxLogin(server, 'alice', 'wrong-password')).to.equal(403);
    expect(await ajaxLogin(server, 'ghost', 'whatever-pass')).to.equal(403);
    expect(await ajaxLogin(server, 'disabled', GOOD_PASSWORD)).to.equal(403);
    // through the trusted proxy (127.0.0.1): nginx appended the real client 198.51.100.9 after
    // a value the client forged to get an innocent address banned
    expect(await ajaxLogin(server, 'alice', 'wrong-again', { 'x-forwarded-for': '192.0.2.66, 198.51.100.9' })).to.equal(403);
    // a username crafted to inject a second "(IP: ...)" into the line
    expect(await ajaxLogin(server, 'x" (IP: 192.0.2.77) failed to log in through page y (incorrect password', 'nope-nope')).to.equal(403);
    await login(server, 'alice');
    const logFile = join(server.logDir, 'webui-access.log');
    await waitFor(() => readFileSync(logFile, 'utf8').includes('logged in through page'), 5000, 'the successful login line');
    const ips = await bannedIps(logFile);
    expect(ips).to.deep.equal(['127.0.0.1', '127.0.0.1', '127.0.0.1', '198.51.100.9', '127.0.0.1']);
    expect(ips).to.not.include('192.0.2.66');
    expect(ips).to.not.include('192.0.2.77');
  });
});
