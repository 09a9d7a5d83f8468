import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.js';
import { copyTree, linesMatching } from './support.js';

/** Waits for the master's exit (bounded: a boot loop would never exit). */
async function exitOf(s: RunningServer): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const exit = await waitFor(() => Promise.race([s.exited, new Promise<null>((r) => setTimeout(() => r(null), 100))]), 20_000, 'the master to exit');
  return exit as { code: number | null; signal: NodeJS.Signals | null };
}

describe('master: a worker that fails while booting stops the server', function () {
  const trees: string[] = [];
  const servers: RunningServer[] = [];

  afterEach(async function () {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
    for (const t of trees.splice(0)) {
      rmSync(t, { recursive: true, force: true });
    }
  });

  it('refuses to start, naming the file, when the job runner\'s entry point is missing (an incomplete build)', async function () {
    const tree = copyTree();
    trees.push(tree);
    const entry = join(tree, 'dist', 'worker', 'runner-main.js');
    rmSync(entry);
    const s = await startServer({ bin: join(tree, 'bin', 'oq-webui.js'), workers: 1, waitReady: 0 });
    servers.push(s);
    const exit = await exitOf(s);
    expect(exit.code).to.equal(1);
    expect(s.output()).to.include(`Job runner entry point ${entry} is missing: build the project (npm run build)`);
    expect(s.output()).not.to.include('Booting worker');
  });

  it('exits 4 with "Reason: App failed to load." when the application cannot be imported, without looping', async function () {
    const tree = copyTree();
    trees.push(tree);
    appendFileSync(join(tree, 'dist', 'src', 'app.js'), '\nexport const broken = ;\n');
    const s = await startServer({ bin: join(tree, 'bin', 'oq-webui.js'), workers: 2, waitReady: 0 });
    servers.push(s);
    const exit = await exitOf(s);
    expect(exit.code, s.output()).to.equal(4);
    expect(s.output()).to.include('Reason: App failed to load.');
    expect(s.output()).to.include('SyntaxError');
    expect(linesMatching(s.output(), /Booting worker with pid/)).to.have.length(2);
    expect(s.output()).to.include('Shutting down: Master');
  });

  it('exits 3 with "Reason: Worker failed to boot." when the database is not a database, without looping', async function () {
    const dir = tempDir();
    const garbage = join(dir, 'not-a-database.sqlite3');
    writeFileSync(garbage, 'this is not an SQLite database, only text that looks nothing like one\n'.repeat(100));
    const s = await startServer({ dir, workers: 2, waitReady: 0, settings: { DATABASE: `sqlite:${garbage}` } });
    servers.push(s);
    const exit = await exitOf(s);
    expect(exit.code, s.output()).to.equal(3);
    expect(s.output()).to.include('Reason: Worker failed to boot.');
    expect(s.output()).to.include('Worker failed to boot:');
    expect(linesMatching(s.output(), /Booting worker with pid/)).to.have.length(2);
  });
});
