import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { sleep, startServer, waitFor, type RunningServer } from '../helpers/server.js';
import { copyTree, getFresh, Load } from './support.js';

/** Sends HUP and waits until every worker of the new generation is ready (the old ones may still be draining). */
async function reload(s: RunningServer, generation: number, workers = 2): Promise<void> {
  s.signal('SIGHUP');
  await waitFor(async () => {
    const st = await s.status();
    const rows = st.children as { kind: string; state: string; generation: number }[];
    return rows.filter((c) => c.kind === 'web' && c.state === 'ready' && c.generation === generation).length === workers;
  }, 20_000, `generation ${generation} ready`);
}

describe('master: HUP reloads', function () {
  const servers: RunningServer[] = [];
  const trees: string[] = [];

  afterEach(async function () {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
    for (const t of trees.splice(0)) {
      rmSync(t, { recursive: true, force: true });
    }
  });

  it('replaces every worker three times under a steady stream of requests without failing one', async function () {
    const s = await startServer({ workers: 2 });
    servers.push(s);
    const before = await s.readyWorkers();
    const load = new Load(`${s.base}/v1/engine_version`, 4);
    await sleep(300);
    for (const generation of [2, 3, 4]) {
      await reload(s, generation);
      await sleep(200);
    }
    const result = await load.stop();
    expect(result.failed, result.errors.slice(0, 5).join('\n')).to.equal(0);
    expect(result.ok).to.be.greaterThan(50);
    const after = await s.readyWorkers();
    expect(after).to.have.length(2);
    expect(after.filter((p) => before.includes(p))).to.deep.equal([]);
  });

  it('picks up new code', async function () {
    const tree = copyTree();
    trees.push(tree);
    const s = await startServer({ bin: join(tree, 'bin', 'oq-webui.js'), workers: 2 });
    servers.push(s);
    const old = await (await s.fetch('/v1/engine_version')).text();
    const route = join(tree, 'dist', 'src', 'routes', 'engine-version.js');
    const code = readFileSync(route, 'utf8');
    expect(code).to.include('ctx.body = await engineVersionNow(FIRST_ANSWER_WAIT_MS);');
    writeFileSync(route, code.replace('ctx.body = await engineVersionNow(FIRST_ANSWER_WAIT_MS);', "ctx.body = 'the new code';"));
    expect(await (await s.fetch('/v1/engine_version')).text()).to.equal(old);
    await reload(s, 2);
    // new connections go to the new workers (the old ones only finish what their connections bring)
    for (let i = 0; i < 4; i += 1) {
      expect((await getFresh(`${s.base}/v1/engine_version`)).body).to.equal('the new code');
    }
  });

  it('keeps the old workers serving and logs why when the new settings are invalid', async function () {
    const s = await startServer({ workers: 2 });
    servers.push(s);
    const before = (await s.readyWorkers()).sort();
    const settings = JSON.parse(readFileSync(s.configFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(s.configFile, JSON.stringify({ ...settings, TIMEOUT: 'forever' }));
    s.signal('SIGHUP');
    await s.waitForOutput(/Reload refused: TIMEOUT: got "forever"/);
    await s.waitForOutput(/the running workers keep serving with the old settings/);
    expect((await s.readyWorkers()).sort()).to.deep.equal(before);
    expect((await s.fetch('/v1/engine_version')).status).to.equal(200);
    expect(s.output().split('Reload refused')[1]).not.to.include('Booting worker with pid');
    // fixed settings reload as usual
    writeFileSync(s.configFile, JSON.stringify({ ...settings, TIMEOUT: 40 }));
    await reload(s, 2);
    expect((await s.readyWorkers()).filter((p) => before.includes(p))).to.deep.equal([]);
  });

  it('says which changed settings need a restart (the master\'s own files and sockets) and keeps them', async function () {
    const s = await startServer({ workers: 1 });
    servers.push(s);
    const settings = JSON.parse(readFileSync(s.configFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(s.configFile, JSON.stringify({ ...settings, ACCESS_LOG: false }));
    await reload(s, 2, 1);
    expect(s.output()).to.include('Reload: ACCESS_LOG changed to false, but the master keeps true until it is restarted');
    await (await s.fetch('/v1/engine_version?after-reload')).text();
    await waitFor(() => readFileSync(join(s.logDir, 'access.log'), 'utf8').includes('?after-reload'), 5000, 'the access line');
  });

  it('keeps the old workers serving when the new code fails to load', async function () {
    const tree = copyTree();
    trees.push(tree);
    const s = await startServer({ bin: join(tree, 'bin', 'oq-webui.js'), workers: 2 });
    servers.push(s);
    const before = (await s.readyWorkers()).sort();
    appendFileSync(join(tree, 'dist', 'src', 'app.js'), '\nexport const broken = ;\n');
    s.signal('SIGHUP');
    await s.waitForOutput(/Reload failed: a new worker exited while booting \(App failed to load\.\); the old workers keep serving\./, 15_000);
    await sleep(300);
    expect(s.proc.exitCode).to.equal(null);
    expect((await s.readyWorkers()).sort()).to.deep.equal(before);
    expect((await s.fetch('/v1/engine_version')).status).to.equal(200);
  });
});
