/**
 * The real clients of the original WebUI against oq-webui with LOCKDOWN on and the real engine, on one
 * calculation shared by every test (started by the QGIS plugin's own "Run" call):
 * - the engine's `oq importcalc` and `oq extract --webapi`, from a second engine configuration (its
 *   own openquake.cfg with a [webapi] section, its own engine database and OQ_DATADIR);
 * - every HTTP call of the QGIS plugin's engine dialog, replayed by test/clients/py/qgis_plugin.py
 *   (its docstring lists each call with the plugin file and function it comes from).
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { GOOD_PASSWORD, lockdownServer, type LockdownServer } from '../helpers/accounts.js';
import { classicalIni, engineInstalled, qaCase, VENV } from '../helpers/engine.js';
import { tempDir, waitFor } from '../helpers/server.js';
import { buildZip } from '../helpers/zips.js';

const run = promisify(execFile);
const PYTHON = join(VENV, 'bin', 'python');
const OQ = join(VENV, 'bin', 'oq');
const PLUGIN = join(PACKAGE_ROOT, 'test', 'clients', 'py', 'qgis_plugin.py');

/** Two GSIMs: two realizations, so the engine also lists Realizations (the plugin loads them as a table). */
const GSIMS = `<?xml version="1.0" encoding="UTF-8"?>
<nrml xmlns="http://openquake.org/xmlns/nrml/0.4"><logicTree logicTreeID="lt1"><logicTreeBranchingLevel branchingLevelID="bl1">
<logicTreeBranchSet uncertaintyType="gmpeModel" branchSetID="bs1" applyToTectonicRegionType="active shallow crust">
<logicTreeBranch branchID="b1"><uncertaintyModel>SadighEtAl1997</uncertaintyModel><uncertaintyWeight>0.6</uncertaintyWeight></logicTreeBranch>
<logicTreeBranch branchID="b2"><uncertaintyModel>BooreAtkinson2008</uncertaintyModel><uncertaintyWeight>0.4</uncertaintyWeight></logicTreeBranch>
</logicTreeBranchSet></logicTreeBranchingLevel></logicTree></nrml>
`;

/** The upload the plugin sends: a zip of the job.ini and its inputs. */
async function archive(ini: string): Promise<Buffer> {
  const qa = qaCase() as string;
  return buildZip([
    { name: 'job.ini', data: ini }, { name: 'gsim_logic_tree.xml', data: GSIMS },
    ...['source_model.xml', 'source_model_logic_tree.xml'].map((f) => ({ name: f, data: readFileSync(join(qa, f)) })),
  ]);
}

/** One replayed call of the plugin: what it asked, the status, whether the answer holds what the plugin reads. */
interface PluginCall { call: string; status: number | null; ok: boolean; why: string }
interface PluginOut { calls: PluginCall[]; job_id?: number; success?: boolean; sites?: number; hcurves_fields?: string[] }

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

if (!engineInstalled()) {
  console.log(`real clients tests: not run, no OpenQuake Engine in ${VENV}`);
} else {
  describe('real clients read a real calculation through oq-webui (LOCKDOWN on, the real engine)', function () {
    this.timeout(900_000);
    let ls: LockdownServer;
    let dir = '';
    let id = 0;
    let datastore = '';
    let run1: PluginOut;

    async function plugin(mode: string, user: string, ...args: string[]): Promise<PluginOut> {
      const { stdout } = await run(PYTHON, [PLUGIN, mode, ls.server.base, user, GOOD_PASSWORD, ...args], { env: { ...process.env, CI: '1' }, maxBuffer: 1 << 24 });
      return JSON.parse(stdout.trim().split('\n').pop() as string) as PluginOut;
    }
    const owner = (): RequestInit => ({ headers: { Cookie: ls.cookies.owner } });
    const statusOf = async (job: number): Promise<string> => ((await (await ls.server.fetch(`/v1/calc/${job}`, owner())).json()) as { status: string }).status;
    const ended = (job: number): Promise<string> => waitFor(async () => {
      const s = await statusOf(job);
      return ['complete', 'failed', 'aborted'].includes(s) ? s : '';
    }, 800_000, `calculation ${job} to end`);

    before(async function () {
      ls = await lockdownServer([
        { username: 'owner', groups: ['team'] }, { username: 'member', groups: ['team'] }, { username: 'outsider' },
      ], {
        workers: 2, loginAs: ['owner'],
        settings: { ENGINE_COMMAND: [OQ, 'engine', '--run', '{job_ini}', '--exports', 'csv', '-p', 'export_dir={export_dir}'], BRIDGE_PROCESSES: 2 },
        env: { CI: 'true' },
      });
      dir = tempDir('oq-clients-');
      writeFileSync(join(dir, 'calc.zip'), await archive(classicalIni({ poes: '0.1 0.02', hazard_maps: 'true', uniform_hazard_spectra: 'true' })));
      // the plugin's "Run calculation": the shared calculation
      run1 = await plugin('run', 'owner', join(dir, 'calc.zip'));
      id = run1.job_id as number;
      expect(await ended(id)).to.equal('complete');
      const folder = join(ls.server.dataDir, `calc_${id}`);
      datastore = join(folder, readdirSync(folder).find((n) => /^calc_\d+\.hdf5$/.test(n)) as string);
    });

    after(async () => {
      await ls?.server.stop();
      if (dir) {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    describe('oq importcalc and oq extract --webapi from a second engine configuration', function () {
      /** A second engine of a team member: its own openquake.cfg ([webapi] naming oq-webui), database and datastores. */
      function secondEngine(name: string, user: string): NodeJS.ProcessEnv {
        const home = join(dir, name);
        mkdirSync(join(home, 'oqdata'), { recursive: true });
        writeFileSync(join(home, 'openquake.cfg'), [
          '[dbserver]', `file = ${join(home, 'db.sqlite3')}`, '',
          '[directory]', 'shared_dir =', 'custom_tmp =', '',
          '[webapi]', `server = ${ls.server.base}`, `username = ${user}`, `password = ${GOOD_PASSWORD}`, '',
        ].join('\n'));
        // CI: the engine does not call api.openquake.org; LOGNAME: not `openquake` (no DbServer daemon)
        return {
          ...process.env, HOME: home, OQ_CONFIG_FILE: join(home, 'openquake.cfg'), OQ_DATADIR: join(home, 'oqdata'),
          CI: 'true', LOGNAME: name, USER: name, MPLCONFIGDIR: join(home, 'matplotlib'), TZ: 'UTC',
        };
      }
      const oq = (env: NodeJS.ProcessEnv, ...args: string[]) => run(OQ, args, { env, cwd: env.HOME, maxBuffer: 1 << 24 });
      let member: NodeJS.ProcessEnv;

      before(async function () {
        member = secondEngine('member', 'member');
        await oq(member, 'engine', '--upgrade-db');
      });

      it('imports the calculation with `oq importcalc <id>`: the datastore byte for byte, and the engine lists its outputs as oq-webui does', async function () {
        const { stdout, stderr } = await oq(member, 'importcalc', String(id));
        expect(stdout + stderr).to.match(new RegExp(`Imported calculation ${id}->1 successfully`));
        expect(sha256(join(member.OQ_DATADIR as string, 'calc_1.hdf5'))).to.equal(sha256(datastore));
        // the second engine's own database now has the job and its outputs, named as oq-webui lists them
        const listed = (await oq(member, 'engine', '--lo', '1')).stdout.split('\n').map((l) => /^\s*\d+ \| (.+)$/.exec(l)?.[1]).filter(Boolean);
        const results = (await (await ls.server.fetch(`/v1/calc/${id}/results`, owner())).json()) as { name: string }[];
        expect(listed.sort()).to.deep.equal(results.map((r) => r.name).sort());
        expect(listed).to.include.members(['Hazard Curves', 'Hazard Maps', 'Uniform Hazard Spectra', 'Realizations']);
      });

      it('`oq extract <what> <id> --webapi` saves what the engine extracts locally from the imported copy', async function () {
        for (const what of ['hcurves?kind=mean', 'realizations']) {
          const web = join(dir, 'web');
          const local = join(dir, 'local');
          mkdirSync(web, { recursive: true });
          mkdirSync(local, { recursive: true });
          const out = (await oq(member, 'extract', what, String(id), '--webapi', '--extract-dir', web)).stdout;
          expect(out, what).to.match(/Saved .* in /);
          await oq(member, 'extract', what, '1', '--extract-dir', local);
          const file = (d: string): string => join(d, readdirSync(d).find((n) => n.startsWith(what.replace(/[/?]/g, '-')))!);
          // every array of the two .npz files equal, value for value
          const same = await run(PYTHON, ['-c', [
            'import sys, numpy',
            'a, b = numpy.load(sys.argv[1]), numpy.load(sys.argv[2])',
            'assert sorted(a.keys()) == sorted(b.keys()) and len(a.keys()) > 0, (a.keys(), b.keys())',
            'assert all(a[k].tobytes() == b[k].tobytes() and a[k].dtype == b[k].dtype for k in a.keys())',
            'print("same", sorted(a.keys()))',
          ].join('\n'), file(web), file(local)], { env: { ...process.env, CI: '1' } });
          expect(same.stdout, what).to.match(/^same /);
          rmSync(web, { recursive: true });
          rmSync(local, { recursive: true });
        }
      });

      it('refuses `oq importcalc` to a user outside the owner\'s group, and imports nothing', async function () {
        const outsider = secondEngine('outsider', 'outsider');
        await oq(outsider, 'engine', '--upgrade-db');
        const failed = await oq(outsider, 'importcalc', String(id)).then(() => null, (e: { code: number; stderr: string }) => e);
        expect(failed?.code).to.be.greaterThan(0);
        // WebExtractor's WebAPIError with the server's answer (the original refuses with 403 and an empty body)
        expect(failed?.stderr).to.match(/WebAPIError/);
        expect(readdirSync(outsider.OQ_DATADIR as string).filter((n) => n.endsWith('.hdf5'))).to.deep.equal([]);
      });
    });

    describe('the QGIS plugin\'s engine dialog (gem/oq-irmt-qgis), call by call', function () {
      const failures = (out: PluginOut): string[] => out.calls.filter((c) => !c.ok).map((c) => `${c.call}: ${c.status} ${c.why}`);

      it('run_calc: logs in after the 403 of /v1/engine_version and POSTs the archive with job_ini; gets a job_id', function () {
        expect(failures(run1)).to.deep.equal([]);
        expect(run1.calls.map((c) => c.call)).to.deep.equal([
          'check_is_lockdown GET /v1/engine_version (anonymous)', 'engine_login POST /accounts/ajax_login/', 'run_calc POST /v1/calc/run',
        ]);
        expect(id).to.be.a('number');
      });

      it('gives every call of the dialog what the plugin reads: version, list, status, outputs, log, extracts (npz), downloads, datastore', async function () {
        const dest = join(dir, 'downloads');
        mkdirSync(dest, { recursive: true });
        const out = await plugin('dialog', 'member', String(id), dest);
        expect(failures(out)).to.deep.equal([]);
        expect(out.calls.map((c) => c.call)).to.include.members([
          'engine_login POST /accounts/ajax_login/ (wrong password)', 'check_is_lockdown GET /v1/engine_version (anonymous)',
          'engine_login POST /accounts/ajax_login/', 'get_engine_version GET /v1/engine_version',
          'refresh_calc_list GET /v1/calc/list?relevant=true', 'get_calc_status GET /v1/calc/<id>/status',
          'get_output_list GET /v1/calc/<id>/results', 'get_calc_log GET /v1/calc/<id>/log/0:', 'get_oqparam GET /v1/calc/<id>/oqparam',
          ...['hcurves', 'hmaps', 'uhs'].map((w) => `ExtractNpzTask GET /v1/calc/<id>/extract/${w}`),
          'DownloadOqOutputTask GET /v1/calc/result/<oid>?export_type=csv&dload=true (realizations)',
          'DownloadOqOutputTask GET /v1/calc/result/<oid>?export_type=rst&dload=true (fullreport)',
          'DownloadOqOutputTask GET /v1/calc/result/<oid>?export_type=csv&dload=true (hcurves)',
          'DownloadOqOutputTask GET /v1/calc/<id>/datastore',
        ]);
        // the layers: the 4 sites and the mean (the engine keeps no per-realization curves unless individual_rlzs)
        expect(out.sites).to.equal(4);
        expect(out.hcurves_fields).to.deep.equal(['lon', 'lat', 'mean']);
        expect(sha256(join(dest, `calc_${id}.hdf5`))).to.equal(sha256(datastore));
      });

      it('Continue (hazard_job_id) starts a child of the calculation; Remove takes the failed child away', async function () {
        writeFileSync(join(dir, 'bad.zip'), await archive(classicalIni({ truncation_level: '-2' })));
        const cont = await plugin('run', 'owner', join(dir, 'bad.zip'), String(id));
        expect(failures(cont)).to.deep.equal([]);
        const child = cont.job_id as number;
        const listed = async (): Promise<{ id: number; parent_id: number | null; is_running: boolean }[]> => (await (await ls.server.fetch('/v1/calc/list?relevant=true', owner())).json()) as never;
        expect((await listed()).find((c) => c.id === child)?.parent_id).to.equal(id);
        expect(await ended(child)).to.equal('failed');
        const removed = await plugin('remove', 'owner', String(child), 'remove');
        expect(failures(removed)).to.deep.equal([]);
        expect((await listed()).map((c) => c.id)).to.not.include(child);
      });

      it('Abort stops a running calculation', async function () {
        const started = await plugin('run', 'owner', join(dir, 'calc.zip'));
        const job = started.job_id as number;
        // the plugin shows Abort while the list says is_running
        await waitFor(async () => ((await (await ls.server.fetch('/v1/calc/list?relevant=true', owner())).json()) as { id: number; is_running: boolean }[]).find((c) => c.id === job)?.is_running, 60_000, 'is_running');
        const aborted = await plugin('remove', 'owner', String(job), 'abort');
        expect(failures(aborted)).to.deep.equal([]);
        expect(await ended(job)).to.equal('aborted');
      });

      it('on_same_fs: success for a file the server reads under its data folder, not for a file only the client has', async function () {
        const data = randomBytes(32);
        const served = join(ls.server.dataDir, 'ipt-checksum');
        const clientOnly = join(dir, 'ipt-checksum');
        writeFileSync(served, data);
        writeFileSync(clientOnly, data);
        const yes = await plugin('same_fs', 'owner', served);
        const no = await plugin('same_fs', 'owner', clientOnly);
        expect(failures(yes)).to.deep.equal([]);
        expect(failures(no)).to.deep.equal([]);
        expect([yes.success, no.success]).to.deep.equal([true, false]);
      });
    });
  });
}
