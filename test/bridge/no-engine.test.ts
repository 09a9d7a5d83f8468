/**
 * Without the engine's Python (a bogus ENGINE_COMMAND, or a BRIDGE_PYTHON that is not one), the
 * engine routes answer 503 with a sentence naming the setting, `oq-webui check` says so, the
 * engine's version is `unknown`, and everything else works.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { BIN, startServer, type RunningServer } from '../helpers/server.js';

const run = promisify(execFile);

describe('the engine bridge without an engine', function () {
  this.timeout(120_000);
  const servers: RunningServer[] = [];

  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  for (const [what, settings, named] of [
    ['ENGINE_COMMAND names no program', { ENGINE_COMMAND: ['/nonexistent/oq', 'engine', '--run', '{job_ini}'] }, 'ENGINE_COMMAND'],
    ['BRIDGE_PYTHON is a Python without the engine', { BRIDGE_PYTHON: '/usr/bin/python3' }, 'BRIDGE_PYTHON'],
  ] as const) {
    it(`answers 503 naming ${named} on the engine routes when ${what}, and serves everything else`, async function () {
      const s = await startServer({ workers: 1, settings });
      servers.push(s);
      for (const path of ['/v1/ini_defaults', '/v1/available_gsims']) {
        const res = await s.fetch(path);
        const body = (await res.json()) as { error: string };
        expect(res.status, path).to.equal(503);
        expect(body.error, path).to.include('The engine\'s Python cannot be run by the engine bridge');
        expect(body.error, path).to.include(`${named}: `);
      }
      const valid = await s.fetch('/v1/valid/', { method: 'POST', body: new URLSearchParams({ xml_text: '<nrml/>' }) });
      expect(valid.status).to.equal(503);
      expect(await (await s.fetch('/v1/engine_version')).text()).to.equal('unknown');
      expect((await s.fetch('/v1/calc/list')).status).to.equal(200);
      expect(await (await s.fetch('/v1/engine_latest_version')).text()).to.equal('None');
      // the bridge itself keeps running (and retrying in the background): no crash loop
      const rows = (await s.status()).children as { kind: string; state: string }[];
      expect(rows.filter((r) => r.kind === 'bridge').map((r) => r.state)).to.deep.equal(['ready']);
    });
  }

  it('is reported by `oq-webui check`, naming the setting and what will answer 503', async function () {
    const r = await run(process.execPath, [BIN, 'check', '--data-dir', '/tmp/oq-webui-no-engine-check'], {
      env: { ...process.env, OQ_WEBUI_ENGINE_COMMAND: '["/nonexistent/oq", "engine"]' },
    }).catch((e: { stdout: string }) => e);
    expect(r.stdout).to.match(/Warning: Engine bridge: ENGINE_COMMAND: \/nonexistent\/oq was not found.*will answer 503/);
  });
});
