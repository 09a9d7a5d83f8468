/**
 * The real OpenQuake Engine through the WebUI: upload, run, log, outputs, datastore, --hc, abort,
 * a job.ini with a mistake, two at once. The engine is the one in OQ_ENGINE_VENV (default
 * /opt/openquake/venv, where scripts/install-openquake-engine.sh and .ci/run put it); when it is
 * not there this group says so in one line and runs nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { classicalIni, classicalZip, engineInstalled, OQ, processesWith } from '../helpers/engine.js';
import { sleep, startServer, waitFor, type RunningServer } from '../helpers/server.js';
import { progressOf } from '../../src/runner/engine-log.js';

if (!engineInstalled()) {
  // one line, and nothing else runs: .ci/run installs the engine, so in CI this group runs
  console.log(`real-engine tests: not run, no OpenQuake Engine at ${OQ} (set OQ_ENGINE_VENV or run scripts/install-openquake-engine.sh)`);
} else {
  describe('the real OpenQuake Engine through the WebUI', function () {
    this.timeout(600_000);
    let server: RunningServer;
    const homeOqdata = join(homedir(), 'oqdata');
    const homeOqdataBefore = existsSync(homeOqdata);

    before(async () => {
      server = await startServer({
        workers: 1,
        settings: { ENGINE_COMMAND: [OQ, 'engine', '--run', '{job_ini}', '--exports', 'csv', '-p', 'export_dir={export_dir}'], MAX_CONCURRENT_JOBS: 2 },
      });
    });

    after(async () => {
      await server?.stop();
    });

    async function submit(ini: string, fields: Record<string, string> = {}): Promise<number> {
      const form = new FormData();
      form.append('archive', new Blob([await classicalZip(ini)]), 'classical.zip');
      for (const [k, v] of Object.entries(fields)) {
        form.append(k, v);
      }
      const res = await server.fetch('/v1/calc/run', { method: 'POST', body: form });
      const body = (await res.json()) as { status: string; job_id: number };
      expect(res.status, JSON.stringify(body)).to.equal(200);
      return body.job_id;
    }

    async function json<T>(path: string): Promise<T> {
      const res = await server.fetch(path);
      expect(res.status, path).to.equal(200);
      return (await res.json()) as T;
    }

    async function finalStatus(id: number, ms = 500_000): Promise<string> {
      return waitFor(async () => {
        const { status } = await json<{ status: string }>(`/v1/calc/${id}`);
        return ['complete', 'failed', 'aborted'].includes(status) ? status : '';
      }, ms, `calculation ${id} to end`);
    }

    async function logOf(id: number): Promise<[string, string, string, string][]> {
      return json<[string, string, string, string][]>(`/v1/calc/${id}/log/0:`);
    }

    async function tracebackOf(id: number): Promise<string[]> {
      return json<string[]>(`/v1/calc/${id}/traceback`);
    }

    /** The engine's id of a calculation, from the `#N` of its log lines. */
    async function engineIdOf(id: number): Promise<number> {
      const line = (await logOf(id)).find((l) => /^#\d+$/.test(l[2]));
      expect(line, `an engine line in the log of ${id}`).to.not.equal(undefined);
      return Number((line as string[])[2].slice(1));
    }

    let hazard = 0;

    it('runs two classical PSHA uploads at once to complete: engine log lines, hazard curves CSV, datastore', async () => {
      const started = Date.now();
      const [a, b] = [await submit(classicalIni()), await submit(classicalIni({ description: 'the same, again' }))];
      const statuses = [await finalStatus(a), await finalStatus(b)];
      console.log(`      (two classical PSHA runs through the WebUI, MAX_CONCURRENT_JOBS=2: ${((Date.now() - started) / 1000).toFixed(1)} s)`);
      expect(statuses, JSON.stringify([await tracebackOf(a), await tracebackOf(b)])).to.deep.equal(['complete', 'complete']);
      hazard = a;
      const log = await logOf(a);
      const engineId = await engineIdOf(a);
      expect(engineId).to.not.equal(await engineIdOf(b));
      expect(log.some(([, level, proc, msg]) => level === 'WARNING' && proc === `#${engineId}` && / running \S+job\.ini --hc=None$/.test(msg))).to.equal(true);
      expect(log.some(([, level, proc, msg]) => level === 'INFO' && proc === `#${engineId}` && /^Checksum of the inputs: /.test(msg))).to.equal(true);
      // progress, as a page shows it: the engine's `<task> <n>% [...]` lines (progressOf)
      const progress = log.filter(([, , , msg]) => progressOf(msg) !== null);
      expect(progress.length, JSON.stringify(log.map((l) => l[3]))).to.be.greaterThan(0);
      expect(progress.every(([time, level]) => level === 'INFO' && /^\d{4}-\d{2}-\d{2}T/.test(time))).to.equal(true);
      expect(log.some(([, level, , msg]) => level === 'WARNING' && msg.includes(`calc_${engineId}.hdf5`))).to.equal(true);
      // the runner made the engine's database at start, and the engine asks no one for a newer version
      expect(server.output()).to.match(/The engine's database \S+db\.sqlite3: The following scripts have been applied safely/);
      for (const id of [a, b]) {
        const said = (await logOf(id)).map((l) => l[3]);
        expect(said.filter((m) => /api\.openquake\.org|Creating the initial schema|schema\/upgrades|applied safely|Upgrade completed/.test(m)), `log of ${id}`).to.deep.equal([]);
      }

      const results = await json<{ id: number; name: string; type: string; outtypes: string[] }[]>(`/v1/calc/${a}/results`);
      // one result per engine output, exported on demand: the curves of both IMTs zipped (test/results compares them with the original's)
      const hc = results.find((r) => r.type === 'hcurves');
      expect(hc, JSON.stringify(results)).to.deep.include({ name: 'Hazard Curves', outtypes: ['csv', 'npz'] });
      const res = await server.fetch(`/v1/calc/result/${hc?.id}?export_type=csv`);
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-disposition')).to.equal(`attachment; filename=output-${hc?.id}-hcurves-csv.zip`);
      expect(Buffer.from(await res.arrayBuffer()).subarray(0, 4).toString('latin1')).to.equal('PK\x03\x04');
      // one realization: no Realizations output (the engine lists it only for several), the curves also as .npz
      expect(results.map((r) => r.type)).to.not.include('realizations');
      const npz = await server.fetch(`/v1/calc/result/${hc?.id}?export_type=npz`);
      expect(npz.headers.get('content-disposition')).to.equal(`attachment; filename=output-${hc?.id}-hcurves_${engineId}.npz`);

      const ds = await server.fetch(`/v1/calc/${a}/datastore`);
      expect(ds.status).to.equal(200);
      expect(Buffer.from(await ds.arrayBuffer()).subarray(0, 8).toString('latin1')).to.equal('\x89HDF\r\n\x1a\n');

      // the engine's files: its database in the engine data folder, the datastore in the calculation's folder, nothing in HOME
      expect(existsSync(join(server.dataDir, 'engine', 'db.sqlite3'))).to.equal(true);
      expect(existsSync(join(server.dataDir, `calc_${a}`, `calc_${engineId}.hdf5`))).to.equal(true);
      expect(existsSync(join(server.dataDir, `calc_${a}`, 'tmp'))).to.equal(false);
      expect(existsSync(homeOqdata)).to.equal(homeOqdataBefore);
    });

    it('a second-stage job with hazard_job_id runs on the parent\'s engine calculation (--hc)', async () => {
      expect(hazard, 'the hazard calculation of the first test').to.not.equal(0);
      const parentEngine = await engineIdOf(hazard);
      const id = await submit(classicalIni({ description: 'second stage' }), { hazard_job_id: String(hazard) });
      const status = await finalStatus(id);
      expect(status, JSON.stringify(await tracebackOf(id))).to.equal('complete');
      const messages = (await logOf(id)).map((l) => l[3]);
      expect(messages.some((m) => m.endsWith(` --hc=${parentEngine}`))).to.equal(true);
      expect(messages).to.include('Reading from parent calculation');
    });

    it('abort stops the engine and every process it started', async () => {
      // a grid of about 12,000 sites: long enough to be aborted while its tasks run
      const id = await submit(classicalIni({ description: 'long', region: '-0.5 -0.5, 0.5 -0.5, 0.5 0.5, -0.5 0.5', region_grid_spacing: '1.0' }, ['sites']));
      const marker = `OQ_DATADIR=${join(server.dataDir, `calc_${id}`)}`;
      // until the engine has sent its tasks to its pool (failing at once if the run ends first)
      const deadline = Date.now() + 300_000;
      while (!(await logOf(id)).some((l) => /^Sent \d+ \w+ tasks/.test(l[3]))) {
        const { status } = await json<{ status: string }>(`/v1/calc/${id}`);
        expect(['created', 'submitted', 'executing'], `the long calculation ended early: ${(await tracebackOf(id)).slice(-1)[0]}`).to.include(status);
        expect(Date.now(), 'the engine to send its tasks').to.be.below(deadline);
        await sleep(200);
      }
      const before = processesWith(marker);
      expect(before.length, 'the engine and its pool').to.be.at.least(2);
      const res = await server.fetch(`/v1/calc/${id}/abort`, { method: 'POST' });
      expect(res.status).to.equal(200);
      expect(await finalStatus(id, 30_000)).to.equal('aborted');
      await waitFor(() => processesWith(marker).length === 0, 10_000, 'no engine process left');
      expect(before.filter((pid) => existsSync(`/proc/${pid}`) && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'latin1')))).to.deep.equal([]);
    });

    it('a job.ini with a mistake fails with the engine\'s own message in the traceback', async () => {
      const id = await submit(classicalIni({ truncation_level: '-2' }));
      expect(await finalStatus(id)).to.equal('failed');
      const tb = await tracebackOf(id);
      expect(tb[0]).to.equal('Traceback (most recent call last):');
      expect(tb[tb.length - 1]).to.match(/^ValueError: .*truncation_level=-2$/);
    });
  });
}
