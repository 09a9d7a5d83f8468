/**
 * Issue 21, item 1: the log folder on a real tmpfs that fills up (ENOSPC). What an operator
 * relies on: the service keeps serving (the master used to die on the server log's unhandled
 * `error` event), journald gets one complaint per file, `status` and `check` say what is wrong,
 * and once space returns the lines made meanwhile are in the files, whole and in order.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { runCli } from '../master/support.js';
import { startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.js';
import { emptyOut, fillUp, mountTmpfs, PADDING_LINE, unmountLazily } from './support.js';
import { logActivity, logProblems, readLines, SERVER_LINE, ACCESS_LINE, WEBUI_ACCESS_LINE } from './activity.js';

describe('a full log folder (a real tmpfs filled up): the server keeps serving and writes again when space returns', function () {
  this.timeout(60_000);
  let dir: string;
  let logs: string;
  let server: RunningServer;
  let filler = '';
  let serverLog: string;
  let outputBefore = 0;

  before(async function () {
    dir = tempDir();
    logs = join(dir, 'logs');
    mountTmpfs(logs, 1024);
    server = await startServer({ dir, workers: 2, settings: { LOCKDOWN: true } });
    serverLog = realpathSync(join(logs, 'oq-webui.log'));
  });

  after(async function () {
    if (filler) {
      emptyOut(filler);
    }
    unmountLazily(logs);
    await server?.stop();
  });

  it('keeps answering every request, the master and workers alive, with one complaint per file on stderr', async function () {
    outputBefore = server.output().length;
    filler = fillUp(logs, [serverLog, join(logs, 'access.log'), join(logs, 'webui-access.log')]);
    const first = await logActivity(server, 'full-a');
    // past a few retries of the writes: still one complaint per file for the whole episode
    await new Promise((r) => setTimeout(r, 2500));
    const second = await logActivity(server, 'full-b');
    expect([...first.statuses, ...second.statuses].every((s) => s > 0), 'every request answered').to.equal(true);
    expect(server.proc.exitCode, 'the master').to.equal(null);
    expect((await server.status()).master.pid).to.equal(server.proc.pid);
    const said = server.output().slice(outputBefore);
    for (const file of [serverLog, join(logs, 'access.log'), join(logs, 'webui-access.log')]) {
      const complaints = said.split('\n').filter((l) => l.includes(`Cannot write the log file ${file}`));
      expect(complaints, `complaints about ${file}`).to.have.length(1);
      expect(complaints[0]).to.include('ENOSPC');
    }
  });

  it('`oq-webui status` and `oq-webui check` name the files that cannot be written and why', async function () {
    const problems = await logProblems(server);
    expect(problems.map((p) => p.file).sort()).to.deep.equal([join(logs, 'access.log'), serverLog, join(logs, 'webui-access.log')].sort());
    const status = await runCli(['status', '-p', server.pidfile]);
    expect(status.code, status.stderr).to.equal(0);
    expect(status.stdout).to.match(new RegExp(`^Log file ${join(logs, 'webui-access.log')} cannot be written since \\d\\d:\\d\\d:\\d\\d UTC \\(ENOSPC: no space left on device\\): \\d+ bytes kept in memory, 0 lines lost$`, 'm'));
    const check = await runCli(['check', '--config', server.configFile, '--log-dir', logs, '--data-dir', server.dataDir, '-p', server.pidfile]);
    expect(check.stdout, check.stdout).to.match(new RegExp(`^Warning: LOG_DIR: the filesystem of ${logs} is full`, 'm'));
    expect(check.stdout, check.stdout).to.match(new RegExp(`^Warning: the running server \\(pid ${server.proc.pid}\\): ${join(logs, 'webui-access.log')} cannot be written since .* \\(ENOSPC`, 'm'));
  });

  it('writes the lines made meanwhile, whole and in order, once space returns, and says so once', async function () {
    emptyOut(filler);
    filler = '';
    await waitFor(async () => (await logProblems(server)).length === 0, 15_000, 'the files written again');
    const webui = readLines(join(logs, 'webui-access.log')).filter((l) => !PADDING_LINE.test(l));
    expect(webui.every((l) => WEBUI_ACCESS_LINE.test(l)), webui.join('\n')).to.equal(true);
    const users = webui.map((l) => /User "(full-[ab]-\d)"/.exec(l)?.[1]).filter(Boolean);
    expect(users).to.deep.equal(['full-a-0', 'full-a-1', 'full-a-2', 'full-b-0', 'full-b-1', 'full-b-2']);
    const access = readLines(join(logs, 'access.log')).filter((l) => !PADDING_LINE.test(l));
    expect(access.every((l) => ACCESS_LINE.test(l)), access.join('\n')).to.equal(true);
    // (two workers: their lines reach the master in the order each sends them, so compare the sets)
    expect(access.filter((l) => l.includes('/v1/engine_version?full-')).map((l) => /\?(full-[ab]-\d+)/.exec(l)?.[1]).sort())
      .to.deep.equal([...['a', 'b'].flatMap((k) => Array.from({ length: 10 }, (_, i) => `full-${k}-${i}`))]);
    const text = readFileSync(serverLog, 'utf8');
    expect(text.split('\n').filter((l) => !PADDING_LINE.test(l)).every((l) => SERVER_LINE.test(l)), text).to.equal(true);
    expect(text).to.match(/Cannot write the log file .*ENOSPC/);
    // the master's and the workers' lines of both USR1s, made while the disk was full
    expect(text.split('Handling signal: usr1').length - 1).to.be.at.least(2);
    expect(text.split('Reopening log files').length - 1).to.be.at.least(4);
    const said = server.output().slice(outputBefore);
    for (const file of [serverLog, join(logs, 'access.log'), join(logs, 'webui-access.log')]) {
      expect(said.split('\n').filter((l) => l.includes(`Writing the log file ${file} again`)), file).to.have.length(1);
    }
  });
});
