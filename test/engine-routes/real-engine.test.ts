/**
 * The engine routes on one real calculation run by POST /v1/calc/run_ini (LOCKDOWN on; a grid of
 * 2,116 sites, so the engine stores its hazard map as a PNG): run_ini and jobs_from_inis with the
 * engine's ids differing from ours, validate_ini with the engine's checks, download_png and
 * job_zip with their access rules, the contents read back with the engine's own Python.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { classicalIni, OQ, qaCase, TWO_GSIMS, VENV } from '../helpers/engine.js';
import { lockdownServer, type LockdownServer } from '../helpers/accounts.js';
import { tempDir, waitFor } from '../helpers/server.js';

const run = promisify(execFile);
const PYTHON = join(VENV, 'bin', 'python');


/** Two realizations, mean hazard maps on more than 1,000 sites: the engine plots them (png/hmap_0_0). */
const GRID = {
  description: 'Engine routes: a grid of sites', region: '-0.2 -0.2, 0.2 -0.2, 0.2 0.2, -0.2 0.2', region_grid_spacing: '1.0',
  intensity_measure_types_and_levels: '{"PGA": [0.01, 0.1, 0.4, 0.6]}', poes: '0.1', hazard_maps: 'true',
};

/** A job folder with `ini`, the QA case's source model and the two-GSIM logic tree. */
function jobFolder(dir: string, ini: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'job.ini'), ini);
  writeFileSync(join(dir, 'gsim_logic_tree.xml'), TWO_GSIMS);
  for (const f of ['source_model.xml', 'source_model_logic_tree.xml']) {
    copyFileSync(join(qaCase() as string, f), join(dir, f));
  }
  return join(dir, 'job.ini');
}

const form = (fields: Record<string, string>, cookie: string): RequestInit => ({ method: 'POST', body: new URLSearchParams(fields), headers: { Cookie: cookie } });

if (qaCase() === null) {
  console.log(`engine routes real-engine tests: not run, no OpenQuake Engine in ${VENV}`);
} else {
  describe('the engine routes on a real calculation run from a job.ini on the server', function () {
    this.timeout(600_000);
    const folder = tempDir('oq-webui-run-ini-');
    const ini = jobFolder(join(folder, 'grid'), classicalIni(GRID, ['sites']));
    const neverRun = jobFolder(join(folder, 'other'), classicalIni({ description: 'never run' }));
    const badIni = jobFolder(join(folder, 'bad'), classicalIni({ truncation_level: '-2' }));
    let ls: LockdownServer;
    let id = 0;
    let datastore = '';
    const as = (user: string): RequestInit => ({ headers: { Cookie: ls.cookies[user] ?? '' } });

    before(async function () {
      ls = await lockdownServer([{ username: 'owner', groups: ['team'] }, { username: 'member', groups: ['team'] }, { username: 'outsider' }, { username: 'root', isSuperuser: true, isStaff: true }], {
        workers: 2, loginAs: ['owner', 'member', 'outsider', 'root'],
        settings: { ENGINE_COMMAND: [OQ, 'engine', '--run', '{job_ini}'], RUN_INI_FOLDERS: [folder], BRIDGE_PROCESSES: 1 },
        env: { CI: 'true' },
      });
      // the engine's database has numbered 40 calculations already: its ids are not ours
      const engineDb = join(ls.server.dataDir, 'engine', 'db.sqlite3');
      await waitFor(() => ls.server.output().includes('The engine\'s database'), 120_000, 'the engine\'s database');
      await run(PYTHON, ['-c', 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("DELETE FROM sqlite_sequence WHERE name = \'job\'"); c.execute("INSERT INTO sqlite_sequence VALUES (\'job\', 40)"); c.commit()', engineDb]);
      const res = await ls.server.fetch('/v1/calc/run_ini', form({ job_ini: ini }, ls.cookies.owner));
      expect(res.status).to.equal(200);
      id = ((await res.json()) as { job_id: number }).job_id;
      const status = await waitFor(async () => {
        const s = ((await (await ls.server.fetch(`/v1/calc/${id}`, as('owner'))).json()) as { status: string }).status;
        return ['complete', 'failed', 'aborted'].includes(s) ? s : '';
      }, 500_000, 'the calculation to end');
      expect(status).to.equal('complete');
      const name = readdirSync(join(ls.server.dataDir, `calc_${id}`)).find((n) => /^calc_\d+\.hdf5$/.test(n)) as string;
      datastore = join(ls.server.dataDir, `calc_${id}`, name);
    });

    after(async () => {
      await ls?.server.stop();
    });

    it('runs the job.ini through run_ini to completion under our id, the engine\'s own id being another', function () {
      expect(id).to.equal(1);
      expect(datastore).to.match(/calc_41\.hdf5$/);
    });

    it('jobs_from_inis answers our id for the job.ini the engine has run, 0 for one it has not, and 0 to a caller who may not see the job', async function () {
      const q = `/v1/calc/jobs_from_inis?ini=${encodeURIComponent(ini)}&ini=${encodeURIComponent(neverRun)}`;
      for (const [user, expected] of [['owner', [id, 0]], ['member', [id, 0]], ['outsider', [0, 0]]] as const) {
        const res = await ls.server.fetch(q, as(user));
        expect(res.status, user).to.equal(200);
        expect(await res.json(), user).to.deep.equal({ success: expected, error: '' });
      }
      expect((await ls.server.fetch(q)).status, 'anonymous').to.equal(403);
    });

    it('validate_ini runs the engine\'s checks on a job.ini: valid, or its message', async function () {
      const ok = await ls.server.fetch('/v1/calc/validate_ini', form({ job_ini: neverRun }, ls.cookies.owner));
      expect(await ok.json()).to.deep.equal({ error_msg: null, error_line: null, valid: true });
      const bad = (await (await ls.server.fetch('/v1/calc/validate_ini', form({ job_ini: badIni }, ls.cookies.owner))).json()) as { valid: boolean; error_msg: string };
      expect(bad.valid).to.equal(false);
      expect(bad.error_msg).to.match(/truncation_level/);
    });

    it('download_png gives the owner and a group member the engine\'s hazard map image, pixel for pixel; 403 to others, 404 for an image it does not have', async function () {
      for (const user of ['owner', 'member']) {
        const res = await ls.server.fetch(`/v1/calc/${id}/download_png/hmap_0_0`, as(user));
        expect([res.status, res.headers.get('content-type')], user).to.deep.equal([200, 'image/png']);
        const png = join(ls.server.dir, `hmap-${user}.png`);
        writeFileSync(png, Buffer.from(await res.arrayBuffer()));
        const { stdout } = await run(PYTHON, ['-c', [
          'import sys, numpy',
          'from PIL import Image',
          'from openquake.commonlib import datastore',
          'with datastore.read(sys.argv[1]) as ds: arr = ds["png/hmap_0_0"][:]',
          'got = numpy.asarray(Image.open(sys.argv[2]))',
          'print(arr.shape == got.shape and bool((arr == got).all()), arr.shape)',
        ].join('\n'), datastore, png], { env: { ...process.env, CI: '1' } });
        expect(stdout.trim(), user).to.match(/^True \(\d+, \d+, \d\)$/);
      }
      for (const user of ['outsider', '']) {
        expect((await ls.server.fetch(`/v1/calc/${id}/download_png/hmap_0_0`, as(user))).status, user || 'anonymous').to.equal(403);
      }
      expect((await ls.server.fetch(`/v1/calc/${id}/download_png/no_such_image`, as('owner'))).status).to.equal(404);
    });

    it('job_zip: the engine exports a job zip only for calculations with ruptures and an exposure, so a classical one gets 400 with its message (the original: 400 and a traceback); 403 to an outsider and an anonymous caller', async function () {
      const res = await ls.server.fetch(`/v1/calc/${id}/job_zip`, as('root'));
      expect(res.status).to.equal(400);
      expect(((await res.json()) as { error: string }).error).to.equal(`KeyError: "No 'ruptures' found in <DataStore ${datastore} open>"`);
      for (const user of ['outsider', '']) {
        expect((await ls.server.fetch(`/v1/calc/${id}/job_zip`, as(user))).status, user || 'anonymous').to.equal(403);
      }
    });
  });
}
