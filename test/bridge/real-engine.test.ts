/**
 * The engine bridge with the real engine, on one real calculation shared by every test: the
 * engine's own WebExtractor against a LOCKDOWN server (owner, group member, outsider, anonymous),
 * and the bridge under faults (its Python stopped, killed, past its time limit; the bridge itself
 * killed; 20 extracts queued on 2 processes while other routes answer).
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { lockdownServer, GOOD_PASSWORD, type LockdownServer } from '../helpers/accounts.js';
import { ENGINE_VENV, openquakePackage } from '../helpers/original.js';
import { waitFor } from '../helpers/server.js';
import { TWO_GSIMS } from '../helpers/engine.js';
import { buildZip } from '../helpers/zips.js';

const run = promisify(execFile);
const PYTHON = join(ENGINE_VENV, 'bin', 'python');
const OQ = join(ENGINE_VENV, 'bin', 'oq');
const SCRIPT = join(PACKAGE_ROOT, 'test', 'bridge', 'py', 'web_extractor.py');


/** A classical calculation with two realizations, mean curves, maps and spectra (the QA case 1 source). */
const INI = `[general]
description = Bridge test: classical, two GSIMs
calculation_mode = classical
sites = 0.0 0.0, 0.1 0.0, 0.2 0.0, 0.3 0.0
number_of_logic_tree_samples = 0
rupture_mesh_spacing = 1.0
width_of_mfd_bin = 1.0
area_source_discretization =
reference_vs30_type = measured
reference_vs30_value = 800.0
reference_depth_to_2pt5km_per_sec = 2.5
reference_depth_to_1pt0km_per_sec = 50.0
source_model_logic_tree_file = source_model_logic_tree.xml
gsim_logic_tree_file = gsim_logic_tree.xml
investigation_time = 1.0
intensity_measure_types_and_levels = {"PGA": [0.01, 0.1, 0.4, 0.6], "SA(0.1)": [0.01, 0.1, 0.4, 0.6]}
truncation_level = 2.0
maximum_distance = 200.0
poes = 0.1 0.02
hazard_maps = true
uniform_hazard_spectra = true
`;

const pkg = openquakePackage();
if (pkg === null) {
  console.log(`bridge real-engine tests: not run, no OpenQuake Engine in ${ENGINE_VENV}`);
} else {
  describe('the engine bridge with the real engine (one shared calculation)', function () {
    this.timeout(600_000);
    let ls: LockdownServer;
    let id = 0;
    let datastore = '';

    const users = [
      { username: 'owner', groups: ['team'] },
      { username: 'member', groups: ['team'] },
      { username: 'outsider' },
    ];

    before(async function () {
      ls = await lockdownServer(users, {
        workers: 2, loginAs: ['owner', 'outsider'],
        settings: { ENGINE_COMMAND: [OQ, 'engine', '--run', '{job_ini}', '--exports', 'csv', '-p', 'export_dir={export_dir}'], BRIDGE_PROCESSES: 2 },
        env: { CI: 'true' },
      });
      const qa = join(pkg, 'qa_tests_data', 'classical', 'case_01');
      const zip = await buildZip([
        { name: 'job.ini', data: INI }, { name: 'gsim_logic_tree.xml', data: TWO_GSIMS },
        ...['source_model.xml', 'source_model_logic_tree.xml'].map((f) => ({ name: f, data: readFileSync(join(qa, f)) })),
      ]);
      const form = new FormData();
      form.append('archive', new Blob([zip]), 'calc.zip');
      const res = await ls.server.fetch('/v1/calc/run', { method: 'POST', body: form, headers: { Cookie: ls.cookies.owner } });
      id = ((await res.json()) as { job_id: number }).job_id;
      const status = await waitFor(async () => {
        const r = await ls.server.fetch(`/v1/calc/${id}`, { headers: { Cookie: ls.cookies.owner } });
        const s = ((await r.json()) as { status: string }).status;
        return ['complete', 'failed', 'aborted'].includes(s) ? s : '';
      }, 500_000, 'the calculation to end');
      expect(status).to.equal('complete');
      const folder = join(ls.server.dataDir, `calc_${id}`);
      const { stdout } = await run('ls', [folder]);
      datastore = join(folder, stdout.split('\n').find((n) => /^calc_\d+\.hdf5$/.test(n)) as string);
    });

    after(async () => {
      await ls?.server.stop();
    });

    async function webExtractor(user: string, password: string): Promise<Record<string, unknown>> {
      const dump = join(ls.server.dir, `dump-${user || 'anonymous'}.hdf5`);
      const { stdout } = await run(PYTHON, [SCRIPT, ls.server.base, String(id), user, password, datastore, dump], { env: { ...process.env, CI: '1' }, maxBuffer: 1 << 24 });
      return JSON.parse(stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
    }

    for (const user of ['owner', 'member']) {
      it(`lets the ${user === 'owner' ? 'owner' : 'owner\'s group member'} read oqparam, sites, realizations, mean curves, maps and spectra with the engine's WebExtractor, equal to its local Extractor, and dump() the datastore byte for byte`, async function () {
        const out = await webExtractor(user, GOOD_PASSWORD);
        expect(out.refused, JSON.stringify(out)).to.equal(undefined);
        expect(out.oqparam).to.equal(true);
        for (const what of ['sitecol', 'realizations', 'hcurves?kind=mean', 'hmaps?kind=mean', 'uhs?kind=mean']) {
          const r = out[what] as { same: boolean; size: number };
          expect(r.same, what).to.equal(true);
          expect(r.size, what).to.be.greaterThan(0);
        }
        expect(out.dump_identical).to.equal(true);
      });
    }

    it('refuses an outsider and an anonymous caller with 403, as the original (WebExtractor raises)', async function () {
      expect((await webExtractor('outsider', GOOD_PASSWORD)).refused).to.be.a('string');
      expect((await webExtractor('', '')).refused).to.be.a('string');
      for (const cookie of [ls.cookies.outsider, '']) {
        const res = await ls.server.fetch(`/v1/calc/${id}/extract/oqparam`, { headers: cookie ? { Cookie: cookie } : {} });
        expect(res.status).to.equal(403);
      }
    });

    it('answers a bad extract with 400 and the engine\'s message, never a 500', async function () {
      const res = await ls.server.fetch(`/v1/calc/${id}/extract/hcurves?kind=rlz-99&imt=NOTHING_LIKE_THIS`, { headers: { Cookie: ls.cookies.owner } });
      expect(res.status).to.equal(400);
      expect(((await res.json()) as { error: string }).error).to.match(/Error/);
      // outside the original's list of what anyone may extract: the owner, of level 2 (advanced) as the original's users by default, reaches the engine
      const unlisted = await ls.server.fetch(`/v1/calc/${id}/extract/events_not_listed`, { headers: { Cookie: ls.cookies.owner } });
      expect(unlisted.status).to.equal(400);
    });

    /** The bridge's Python processes (children of the bridge process). */
    async function pythons(): Promise<number[]> {
      const rows = (await ls.server.status()).children as { kind: string; pid: number }[];
      const bridge = rows.find((r) => r.kind === 'bridge')?.pid;
      const { stdout } = await run('ps', ['-o', 'pid=,ppid=,args=', '-e']);
      return stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter((w) => Number(w[1]) === bridge && w.join(' ').includes('oq_webui_bridge.py')).map((w) => Number(w[0]));
    }
    /** Waits until the pool has its 2 Python processes; their pids. */
    async function twoPythons(): Promise<number[]> {
      let found: number[] = [];
      await waitFor(async () => {
        found = await pythons();
        return found.length === 2;
      }, 60_000, '2 Python processes');
      return found;
    }
    /** Waits until a worker's connection to the bridge's socket is open (a request is in the bridge). */
    async function requestInBridge(): Promise<void> {
      const socket = `${ls.server.controlSocket}.bridge`;
      await waitFor(async () => {
        const { stdout } = await run('ss', ['-xH', 'state', 'connected']);
        return stdout.split('\n').some((l) => l.includes(socket));
      }, 60_000, 'the request to reach the bridge');
      await new Promise((r) => setTimeout(r, 200));
    }
    const owner = (): RequestInit => ({ headers: { Cookie: ls.cookies.owner } });
    const extract = (what = 'hcurves?kind=mean'): Promise<Response> => ls.server.fetch(`/v1/calc/${id}/extract/${what}`, owner());

    it('queues 20 extracts on 2 held Python processes while other routes answer, then answers all 20', async function () {
      const procs = await twoPythons();
      procs.forEach((p) => process.kill(p, 'SIGSTOP'));
      const pending = Array.from({ length: 20 }, () => extract().then(async (r) => ({ status: r.status, bytes: (await r.arrayBuffer()).byteLength })));
      try {
        // with every Python process held, routes that do not need the engine still answer
        for (let i = 0; i < 10; i += 1) {
          expect(await (await ls.server.fetch('/v1/engine_version', owner())).text()).to.equal('3.26.2');
          expect((await ls.server.fetch('/v1/calc/list', owner())).status).to.equal(200);
        }
      } finally {
        procs.forEach((p) => process.kill(p, 'SIGCONT'));
      }
      const done = await Promise.all(pending);
      expect(done.map((d) => d.status)).to.deep.equal(Array(20).fill(200));
      expect(new Set(done.map((d) => d.bytes)).size).to.equal(1);
    });

    it('answers 503 to the extract whose Python process is SIGKILLed, and the next extract works', async function () {
      const procs = await twoPythons();
      procs.forEach((p) => process.kill(p, 'SIGSTOP'));
      const pending = extract();
      await requestInBridge();
      procs.forEach((p) => process.kill(p, 'SIGKILL'));
      const res = await pending;
      expect(res.status).to.equal(503);
      expect(((await res.json()) as { error: string }).error).to.match(/ended during this request.*SIGKILL/);
      // once the pool has seen both die (a request given to a dead process before its exit is seen gets the same 503)
      await waitFor(async () => (await pythons()).every((p) => !procs.includes(p)), 30_000, 'the killed processes to be reaped');
      expect((await extract()).status).to.equal(200);
      expect((await pythons()).filter((p) => procs.includes(p))).to.deep.equal([]);
    });

    it('answers 503 when the bridge itself is SIGKILLed during an extract; the master restarts it and the next extract works', async function () {
      const procs = await twoPythons();
      const bridge = ((await ls.server.status()).children as { kind: string; pid: number }[]).find((r) => r.kind === 'bridge')?.pid as number;
      procs.forEach((p) => process.kill(p, 'SIGSTOP'));
      const pending = extract();
      await requestInBridge();
      process.kill(bridge, 'SIGKILL');
      const res = await pending;
      expect(res.status).to.equal(503);
      await waitFor(async () => (await extract()).status === 200, 120_000, 'an extract through the new bridge');
      // its Python processes went with it (PR_SET_PDEATHSIG), stopped or not
      await waitFor(async () => {
        const { stdout } = await run('ps', ['-o', 'pid=', '-e']);
        const live = stdout.split('\n').map(Number);
        return procs.every((p) => !live.includes(p));
      }, 10_000, 'the old Python processes to be gone');
    });

    it('survives a HUP (same bridge process, new settings): an extract past the new BRIDGE_TIMEOUT gets 504, its process is replaced, the next works', async function () {
      const before = ((await ls.server.status()).children as { kind: string; pid: number }[]).find((r) => r.kind === 'bridge')?.pid;
      const settings = JSON.parse(readFileSync(ls.server.configFile, 'utf8')) as Record<string, unknown>;
      writeFileSync(ls.server.configFile, JSON.stringify({ ...settings, BRIDGE_TIMEOUT: 20 }));
      const old = await twoPythons();
      ls.server.signal('SIGHUP');
      await ls.server.waitForOutput(/Reload complete/, 60_000);
      // the HUP's new Python processes (the old ones are replaced once idle)
      let procs: number[] = [];
      await waitFor(async () => {
        procs = (await pythons()).filter((p) => !old.includes(p));
        return procs.length === 2;
      }, 60_000, 'the new Python processes');
      expect(((await ls.server.status()).children as { kind: string; pid: number }[]).find((r) => r.kind === 'bridge')?.pid).to.equal(before);
      // both new processes warmed up (a first extract imports the engine's modules)
      expect((await Promise.all([extract(), extract(), extract(), extract()])).map((r) => r.status)).to.deep.equal([200, 200, 200, 200]);
      procs.forEach((p) => process.kill(p, 'SIGSTOP'));
      const res = await extract();
      procs.forEach((p) => {
        try {
          process.kill(p, 'SIGCONT');
        } catch {
          // killed by the bridge
        }
      });
      expect(res.status).to.equal(504);
      expect(((await res.json()) as { error: string }).error).to.include('BRIDGE_TIMEOUT (20 s)');
      expect((await extract()).status).to.equal(200);
      expect((await pythons()).filter((p) => procs.includes(p)).length).to.be.lessThan(2);
    });
  });
}
