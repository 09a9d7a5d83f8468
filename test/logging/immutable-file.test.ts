/**
 * Issue 21, item 1: log files made immutable (`chattr +i`: every write refused with EPERM, root's
 * too). The server keeps serving, complains once per file, `check` names the attribute, and the
 * lines made meanwhile are in the files once `chattr -i` lifts it.
 */
import { mkdtempSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { runCli } from '../master/support.js';
import { startServer, waitFor, type RunningServer } from '../helpers/server.js';
import { chattr, immutableCapableDir } from './support.js';
import { logActivity, logProblems, readLines, WEBUI_ACCESS_LINE } from './activity.js';

describe('immutable log files (chattr +i): the server keeps serving and writes again once they are writable', function () {
  this.timeout(60_000);
  let server: RunningServer;
  let files: string[] = [];
  let outputBefore = 0;

  before(async function () {
    const { dir, why } = immutableCapableDir();
    console.log(`      (${why})`);
    server = await startServer({ dir: mkdtempSync(join(dir, 'oq-webui-test-')), workers: 2, settings: { LOCKDOWN: true } });
    files = [realpathSync(join(server.logDir, 'oq-webui.log')), join(server.logDir, 'access.log'), join(server.logDir, 'webui-access.log')];
  });

  after(async function () {
    try {
      chattr('-i', ...files);
    } catch {
      // never set
    }
    await server?.stop();
  });

  it('keeps answering, with one EPERM complaint per file, shown by `status` and `check`', async function () {
    outputBefore = server.output().length;
    chattr('+i', ...files);
    const first = await logActivity(server, 'immutable-a');
    await new Promise((r) => setTimeout(r, 2500));
    const second = await logActivity(server, 'immutable-b');
    expect([...first.statuses, ...second.statuses].every((s) => s > 0), 'every request answered').to.equal(true);
    expect((await server.status()).master.pid).to.equal(server.proc.pid);
    const said = server.output().slice(outputBefore).split('\n');
    for (const file of files) {
      const complaints = said.filter((l) => l.includes(`Cannot write the log file ${file}`));
      expect(complaints, `complaints about ${file}`).to.have.length(1);
      expect(complaints[0]).to.include('EPERM: operation not permitted');
    }
    expect((await logProblems(server)).map((p) => p.file).sort()).to.deep.equal([...files].sort());
    const check = await runCli(['check', '--config', server.configFile, '--log-dir', server.logDir, '--data-dir', server.dataDir, '-p', server.pidfile]);
    for (const file of files) {
      expect(check.stdout, check.stdout).to.include(`Warning: ${file} is immutable (lsattr shows an i): its lines wait in memory until \`chattr -i ${file}\``);
    }
    expect(check.stdout).not.to.include('chown it');
  });

  it('writes the lines made meanwhile once the files are writable again', async function () {
    chattr('-i', ...files);
    await waitFor(async () => (await logProblems(server)).length === 0, 15_000, 'the files written again');
    const webui = readLines(files[2]);
    expect(webui.every((l) => WEBUI_ACCESS_LINE.test(l)), webui.join('\n')).to.equal(true);
    expect(webui.map((l) => /User "(immutable-[ab]-\d)"/.exec(l)?.[1]).filter(Boolean)).to.have.members(
      ['a', 'b'].flatMap((k) => [0, 1, 2].map((i) => `immutable-${k}-${i}`)));
    expect(readLines(files[1]).filter((l) => l.includes('/v1/engine_version?immutable-'))).to.have.length(20);
    expect(readLines(files[0]).filter((l) => l.includes('Handling signal: usr1'))).to.have.length(2);
    const said = server.output().slice(outputBefore).split('\n');
    for (const file of files) {
      expect(said.filter((l) => l.includes(`Writing the log file ${file} again`)), file).to.have.length(1);
    }
  });
});
