/**
 * ENGINE_CONFIG as the engine itself reads it: the operator's openquake.cfg applies under the
 * runner's own lines, which win (the engine's job database, serialize_jobs = 0, the folders).
 * Asks the real engine's configuration reader, with the environment of a run.
 */
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { engineDbFile, engineEnvironment, prepareEngineData } from '../../src/runner/engine-env.js';
import { engineInstalled, OQ, VENV } from '../helpers/engine.js';
import { tempDir } from '../helpers/server.js';

const run = promisify(execFile);

/** The engine's effective configuration, as `section.key=value` lines, in the environment of a run. */
async function engineSees(engineDataDir: string, calcFolder: string): Promise<Record<string, string>> {
  const env = engineEnvironment(process.env, { engineDataDir, calcFolder, jobId: 1, owner: 'alice' });
  const code = 'from openquake.baselib import config\nfor s in config:\n  for k, v in config[s].items(): print(f"{s}.{k}={v}")';
  const { stdout } = await run(join(VENV, 'bin', 'python'), ['-c', code], { env });
  return Object.fromEntries(stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

if (!engineInstalled()) {
  console.log(`engine config tests: not run, no OpenQuake Engine at ${OQ}`);
} else {
  describe('ENGINE_CONFIG: the operator\'s openquake.cfg under the runner\'s own lines', function () {
    this.timeout(120_000);
    let dir: string;

    before(() => {
      dir = tempDir('oq-webui-engine-cfg-');
    });

    after(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('the engine takes the operator\'s distribution settings and keeps the runner\'s database, serialize_jobs and folders', async () => {
      const operator = join(dir, 'cluster.cfg');
      writeFileSync(operator, [
        '[distribution]', 'oq_distribute = zmq', 'serialize_jobs = 1', '',
        '[zworkers]', 'host_cores = 10.0.0.11 -1, 10.0.0.12 8', 'ctrl_port = 2909', '',
        '[dbserver]', 'file = /somewhere/else.sqlite3', 'host = 10.0.0.10', 'receiver_host = 10.0.0.10', '',
        '[directory]', 'shared_dir = /shared', '',
      ].join('\n'));
      const engineDataDir = join(dir, 'engine');
      prepareEngineData(engineDataDir, operator, dir);
      const seen = await engineSees(engineDataDir, join(dir, 'calc_1'));
      expect(seen).to.include({
        'distribution.oq_distribute': 'zmq',
        'zworkers.host_cores': '10.0.0.11 -1, 10.0.0.12 8',
        'zworkers.ctrl_port': '2909',
        'dbserver.host': '10.0.0.10',
        'dbserver.receiver_host': '10.0.0.10',
        // the runner's lines win
        'distribution.serialize_jobs': '0',
        'dbserver.file': engineDbFile(engineDataDir),
        'directory.shared_dir': '',
      });

      // without ENGINE_CONFIG (again), the engine's defaults: no copy of the operator's file is left
      prepareEngineData(engineDataDir, '', dir);
      const plain = await engineSees(engineDataDir, join(dir, 'calc_1'));
      expect(plain).to.include({ 'distribution.oq_distribute': 'processpool', 'zworkers.ctrl_port': '1909', 'dbserver.file': engineDbFile(engineDataDir) });
    });
  });
}
