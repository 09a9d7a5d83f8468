/**
 * The real calculation of the engine bridge's benchmarks: bench/fixtures/classical-grid (a
 * classical PSHA on a grid of 1,520 sites, one point source, one GSIM, 2 IMTs of 7 levels) run
 * once by the real engine through an oq-webui started with LOCKDOWN, the bridge on the engine's
 * Python (BRIDGE_PROCESSES 2) and one user, alice, logged in.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { calcDir } from '../src/calcs/paths.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { lockdownServer, GOOD_PASSWORD, type LockdownServer } from '../test/helpers/accounts.js';
import { ENGINE_VENV } from '../test/helpers/original.js';
import { waitFor } from '../test/helpers/server.js';
import { buildZip } from '../test/helpers/zips.js';

export const FIXTURE = join(PACKAGE_ROOT, 'bench', 'fixtures', 'classical-grid');
export const ENGINE_PYTHON = join(ENGINE_VENV, 'bin', 'python');
export const BENCH_USER = 'alice';
export const BENCH_PASSWORD = GOOD_PASSWORD;

/** oq-webui with the calculation done. */
export interface EngineCalc {
  ls: LockdownServer;
  /** alice's session cookie. */
  cookie: string;
  /** oq-webui's job id. */
  id: number;
  /** The calculation's datastore (calc_<engine id>.hdf5 in the job's folder). */
  datastore: string;
  /** How many sites the engine made. */
  sites: number;
  runSeconds: number;
  stop(): Promise<void>;
}

/** Starts oq-webui (`workers` HTTP workers) and runs the fixture through it with the real engine. */
export async function runEngineCalc(workers = 2): Promise<EngineCalc> {
  const ls = await lockdownServer([{ username: BENCH_USER, password: BENCH_PASSWORD }], {
    workers, loginAs: [BENCH_USER],
    settings: {
      LOG_LEVEL: 'warning', ENGINE_COMMAND: [join(ENGINE_VENV, 'bin', 'oq'), 'engine', '--run', '{job_ini}'],
      BRIDGE_PYTHON: ENGINE_PYTHON, BRIDGE_PROCESSES: 2,
    },
    env: { CI: 'true' },
  });
  try {
    const cookie = ls.cookies[BENCH_USER];
    const zip = await buildZip(readdirSync(FIXTURE).map((f) => ({ name: f, data: readFileSync(join(FIXTURE, f)) })));
    const form = new FormData();
    form.append('archive', new Blob([zip]), 'classical-grid.zip');
    const t0 = Date.now();
    const res = await ls.server.fetch('/v1/calc/run', { method: 'POST', body: form, headers: { Cookie: cookie } });
    if (res.status !== 200) {
      throw new Error(`the run was refused: ${res.status} ${await res.text()}`);
    }
    const id = ((await res.json()) as { job_id: number }).job_id;
    const status = await waitFor(async () => {
      const r = await ls.server.fetch(`/v1/calc/${id}`, { headers: { Cookie: cookie } });
      const s = ((await r.json()) as { status: string }).status;
      return ['complete', 'failed', 'aborted'].includes(s) ? s : '';
    }, 600_000, 'the calculation to end');
    if (status !== 'complete') {
      throw new Error(`the calculation ended ${status}:\n${ls.server.output().slice(-3000)}`);
    }
    const runSeconds = (Date.now() - t0) / 1000;
    const folder = calcDir(ls.server.dataDir, id);
    const found = readdirSync(folder).find((n) => /^calc_\d+\.hdf5$/.test(n));
    if (!found) {
      throw new Error(`no datastore in ${folder}`);
    }
    const datastore = join(folder, found);
    const sites = Number(execFileSync(ENGINE_PYTHON, ['-c',
      'import sys\nfrom openquake.commonlib import datastore\nwith datastore.read(sys.argv[1]) as ds: print(len(ds["sitecol"]))', datastore],
    { encoding: 'utf8', env: { ...process.env, CI: '1' } }).trim().split('\n').pop());
    return { ls, cookie, id, datastore, sites, runSeconds, stop: async () => { await ls.server.stop(); } };
  } catch (e) {
    await ls.server.stop();
    throw e;
  }
}
