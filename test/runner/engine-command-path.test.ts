/**
 * ENGINE_COMMAND's program given as a relative path (`test/fixtures/fake-oq`, as a newcomer
 * trying the pages without the engine writes it) is taken from the server's folder, as
 * `oq-webui check` and the list page's notice take it, not from the calculation's folder the
 * engine runs in.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expect } from 'chai';
import { EngineProcess } from '../../src/runner/engine-process.js';
import { FAKE_OQ } from '../helpers/server.js';

describe('the engine command with a relative program path', function () {
  let cwd: string;

  before(function () {
    cwd = mkdtempSync(join(tmpdir(), 'oq-webui-engine-cwd-'));
  });

  after(function () {
    rmSync(cwd, { recursive: true, force: true });
  });

  it('starts the program named relative to the server\'s folder while running in the calculation\'s folder', async function () {
    const program = relative(process.cwd(), FAKE_OQ);
    expect(program.startsWith('/')).to.equal(false);
    const lines: string[] = [];
    const engine = await EngineProcess.start({ argv: [program, '--version'], cwd, env: process.env, onLine: (_s, line) => lines.push(line) });
    expect(await engine.done).to.deep.equal({ code: 0, signal: null });
    expect(lines).to.include('3.26.2');
  });
});
