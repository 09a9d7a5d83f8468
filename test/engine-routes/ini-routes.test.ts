/**
 * run_ini, validate_ini and jobs_from_inis name job.ini files already on the server: only inside
 * RUN_INI_FOLDERS (off by default), a missing path and a path not allowed get the same answer, a
 * job.ini the engine refuses gets a 4xx with the engine's message (the original: a 500 with a
 * traceback), and run_ini copies the job's inputs into a new calculation. The engine's Python is
 * the real one (BRIDGE_PYTHON); the calculations run on the stand-in engine.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { classicalIni, qaCase, VENV } from '../helpers/engine.js';
import { startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.js';

/** A job folder: `ini` and the QA case's source model and logic trees. */
function jobFolder(dir: string, ini: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'job.ini'), ini);
  for (const f of ['source_model.xml', 'source_model_logic_tree.xml', 'gsim_logic_tree.xml']) {
    copyFileSync(join(qaCase() as string, f), join(dir, f));
  }
}

const form = (fields: Record<string, string>): RequestInit => ({ method: 'POST', body: new URLSearchParams(fields) });

describe('the job.ini routes (run_ini, validate_ini, jobs_from_inis)', function () {
  this.timeout(180_000);
  const root = tempDir('oq-webui-inis-');
  const allowed = join(root, 'allowed');
  const outside = join(root, 'outside');
  const servers: RunningServer[] = [];
  let server: RunningServer;

  before(async function () {
    jobFolder(join(allowed, 'job'), classicalIni({ description: 'Run from a job.ini on the server' }));
    jobFolder(outside, classicalIni({ description: 'Outside the allowed folders' }));
    jobFolder(join(allowed, 'broken'), classicalIni({ gsim_logic_tree_file: 'missing.xml' }));
    // a job.ini inside whose source model is outside: the engine would read it, run_ini must not copy it
    jobFolder(join(allowed, 'escapes'), classicalIni({ source_model_logic_tree_file: '../../outside/source_model_logic_tree.xml' }));
    symlinkSync(join(outside, 'job.ini'), join(allowed, 'link.ini'));
    server = await startServer({ workers: 1, settings: { BRIDGE_PYTHON: join(VENV, 'bin', 'python'), RUN_INI_FOLDERS: [allowed] } });
    servers.push(server);
  });

  after(async function () {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('runs a job.ini inside RUN_INI_FOLDERS: the inputs the engine names are copied into the new calculation, which runs', async function () {
    const res = await server.fetch('/v1/calc/run_ini', form({ job_ini: join(allowed, 'job', 'job.ini') }));
    expect(res.status).to.equal(200);
    const { status, job_id: id } = (await res.json()) as { status: string; job_id: number };
    expect(status).to.equal('created');
    const input = join(server.dataDir, `calc_${id}`, 'input');
    expect(readdirSync(input).sort()).to.deep.equal(['gsim_logic_tree.xml', 'job.ini', 'source_model.xml', 'source_model_logic_tree.xml']);
    await waitFor(async () => ((await (await server.fetch(`/v1/calc/${id}`)).json()) as { status: string }).status === 'complete', 60_000, 'the calculation to complete');
    const list = (await (await server.fetch('/v1/calc/list')).json()) as { id: number; description: string }[];
    expect(list.find((c) => c.id === id)?.description).to.equal('Run from a job.ini on the server');
  });

  it('gives a missing path and a path not allowed (outside, through a link, relative, a folder) the same 400, and makes no calculation', async function () {
    const before = ((await (await server.fetch('/v1/calc/list')).json()) as unknown[]).length;
    const paths = [join(allowed, 'none.ini'), join(outside, 'job.ini'), join(allowed, 'link.ini'), 'allowed/job/job.ini', allowed, '/etc/passwd', `${allowed}/../outside/job.ini`];
    const answers = new Set<string>();
    for (const p of paths) {
      for (const [path, init] of [
        ['/v1/calc/run_ini', form({ job_ini: p })],
        ['/v1/calc/validate_ini', form({ job_ini: p })],
        [`/v1/calc/jobs_from_inis?ini=${encodeURIComponent(p)}`, {}],
      ] as const) {
        const res = await server.fetch(path, init);
        expect(res.status, `${path} ${p}`).to.equal(400);
        answers.add(`${path.split('?')[0]} ${await res.text()}`);
      }
    }
    expect([...answers].sort()).to.deep.equal([
      '/v1/calc/jobs_from_inis {"success":[],"error":"ini is not the full path of a file in the folders this server allows (RUN_INI_FOLDERS)"}',
      '/v1/calc/run_ini {"traceback":["job_ini is not the full path of a file in the folders this server allows (RUN_INI_FOLDERS)"],"job_id":null}',
      '/v1/calc/validate_ini {"error":"job_ini is not the full path of a file in the folders this server allows (RUN_INI_FOLDERS)"}',
    ]);
    expect(((await (await server.fetch('/v1/calc/list')).json()) as unknown[]).length).to.equal(before);
    expect(readdirSync(join(server.dataDir, 'uploads')), 'no staging folder left').to.deep.equal([]);
  });

  it('answers 400 with the engine\'s message for a job.ini it refuses, and refuses to copy an input outside the folders', async function () {
    const broken = await server.fetch('/v1/calc/run_ini', form({ job_ini: join(allowed, 'broken', 'job.ini') }));
    expect(broken.status).to.equal(400);
    expect(((await broken.json()) as { traceback: string[] }).traceback.join('\n')).to.equal(`OSError: No such file: ${join(allowed, 'broken', 'missing.xml')}`);
    const escapes = await server.fetch('/v1/calc/run_ini', form({ job_ini: join(allowed, 'escapes', 'job.ini') }));
    expect(escapes.status).to.equal(400);
    expect(((await escapes.json()) as { traceback: string[] }).traceback).to.deep.equal([
      'The job.ini names an input that is not a file in the folders this server allows (RUN_INI_FOLDERS): ../../outside/source_model.xml',
    ]);
  });

  it('names the missing parameter, answers 405 to GET as the original, and jobs_from_inis without ini is the original\'s empty answer', async function () {
    for (const path of ['/v1/calc/run_ini', '/v1/calc/validate_ini']) {
      const res = await server.fetch(path, form({}));
      expect(res.status, path).to.equal(400);
      expect(await res.text(), path).to.include('Please provide the \\"job_ini\\" parameter: the full path of a job.ini on the server');
      const get = await server.fetch(path);
      expect([get.status, get.headers.get('allow')], path).to.deep.equal([405, 'POST']);
    }
    const none = await server.fetch('/v1/calc/jobs_from_inis');
    expect(none.status).to.equal(200);
    expect(await none.json()).to.deep.equal({ success: [], error: '' });
  });

  it('refuses all three with 403 naming RUN_INI_FOLDERS when the operator allows no folder (the default), and READ_ONLY has no run_ini nor validate_ini', async function () {
    const off = await startServer({ workers: 1, settings: { BRIDGE_PYTHON: join(VENV, 'bin', 'python') } });
    servers.push(off);
    const readOnly = await startServer({ workers: 1, settings: { BRIDGE_PYTHON: join(VENV, 'bin', 'python'), RUN_INI_FOLDERS: [allowed], APPLICATION_MODE: 'READ_ONLY' } });
    servers.push(readOnly);
    const ini = join(allowed, 'job', 'job.ini');
    for (const [path, init] of [['/v1/calc/run_ini', form({ job_ini: ini })], ['/v1/calc/validate_ini', form({ job_ini: ini })], [`/v1/calc/jobs_from_inis?ini=${ini}`, {}]] as const) {
      const res = await off.fetch(path, init);
      expect(res.status, path).to.equal(403);
      expect(await res.text(), path).to.include('the operator allows their folders with RUN_INI_FOLDERS');
    }
    expect(existsSync(join(off.dataDir, 'calc_1')), 'no calculation').to.equal(false);
    for (const path of ['/v1/calc/run_ini', '/v1/calc/validate_ini']) {
      expect((await readOnly.fetch(path, form({ job_ini: ini }))).status, path).to.equal(404);
    }
  });
});
