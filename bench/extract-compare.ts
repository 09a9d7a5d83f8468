/**
 * Issue 17: the mean hazard curves of a calculation with >= 1,000 sites extracted
 * (`/v1/calc/<id>/extract/hcurves?kind=mean`, what `oq extract --webapi` and the QGIS plugin ask)
 * from oq-webui and from the original WebUI 3.26 on the SAME datastore file, and the engine's own
 * extract called directly in Python (the work both servers wrap): the ratio of the two servers,
 * and what our route adds over the engine's work.
 *
 * The original gets the calculation the cheapest honest way: a row in its engine database whose
 * ds_calc_dir is the datastore oq-webui's run wrote (the original reads `ds_calc_dir + '.hdf5'`).
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { startOriginal, type OriginalServer } from '../test/helpers/original.js';
import { BENCH_PASSWORD, BENCH_USER, ENGINE_PYTHON, type EngineCalc } from './engine-calc.js';
import { median, report } from './lib.js';

const run = promisify(execFile);
export const MEAN_CURVES = 'hcurves?kind=mean';

/** The engine's extract as the bridge adapter and the original's view run it, `reps` times; ms each. */
const DIRECT = `
import os, sys, tempfile, time
from openquake.baselib import hdf5
from openquake.calculators.extract import extract
from openquake.commonlib import datastore
path, what, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
out = []
for _ in range(reps):
    t0 = time.perf_counter()
    with datastore.read(path) as ds:
        fd, fname = tempfile.mkstemp(suffix='.npz')
        os.close(fd)
        hdf5.save_npz(extract(ds, what), fname)
    out.append((time.perf_counter() - t0) * 1000)
    os.remove(fname)
print(' '.join('%.3f' % t for t in out))
`;

async function direct(datastore: string, reps: number): Promise<number[]> {
  const { stdout } = await run(ENGINE_PYTHON, ['-c', DIRECT, datastore, MEAN_CURVES, String(reps)], { env: { ...process.env, CI: '1' } });
  return stdout.trim().split('\n').pop()!.split(' ').map(Number);
}

/** Wall time of one GET (until the whole body is read); throws unless 200. */
async function timed(url: string, cookie: string): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now();
  const res = await fetch(url, { headers: { cookie } });
  const body = await res.arrayBuffer();
  const ms = performance.now() - t0;
  if (res.status !== 200) {
    throw new Error(`${url} answered ${res.status}: ${Buffer.from(body).toString('utf8').slice(0, 500)}`);
  }
  return { ms, bytes: body.byteLength };
}

interface Db {
  run(sql: string, params: unknown[], cb: (this: { lastID: number }, err: Error | null) => void): void;
  close(cb: (err: Error | null) => void): void;
}
type DbCtor = new (file: string, cb: (err: Error | null) => void) => Db;

/** Registers the datastore as a complete job of alice in the original's engine database; its id there. */
async function registerInOriginal(original: OriginalServer, datastore: string): Promise<number> {
  const sqlite3 = createRequire(import.meta.url)('sqlite3') as { Database: DbCtor };
  const db = await new Promise<Db>((resolve, reject) => {
    const d = new sqlite3.Database(original.dbFile, (err) => (err ? reject(err) : resolve(d)));
  });
  const now = new Date().toISOString().replace('T', ' ').slice(0, 19);
  const id = await new Promise<number>((resolve, reject) => db.run(
    "INSERT INTO job (description, user_name, calculation_mode, status, is_running, start_time, stop_time, relevant, ds_calc_dir, pid) VALUES (?, ?, 'classical', 'complete', 0, ?, ?, 1, ?, 0)",
    ['bench: classical grid', BENCH_USER, now, now, datastore.replace(/\.hdf5$/, '')],
    function done(err) {
      if (err) {
        reject(err);
      } else {
        resolve(this.lastID);
      }
    },
  ));
  await new Promise<void>((resolve, reject) => db.close((err) => (err ? reject(err) : resolve())));
  return id;
}

/** What the comparison measured (medians in ms). */
export interface ExtractFigures {
  ours: number;
  original: number;
  engine: number;
  /** An authenticated round trip that needs no engine (/v1/engine_version with the session). */
  http: number;
  bytes: { ours: number; original: number };
  samples: number;
}

/** Measures `rounds` rounds of `reps` extracts on each side, interleaved; prints and returns the medians. */
export async function compareExtract(calc: EngineCalc, rounds: number, reps: number): Promise<ExtractFigures> {
  const original = await startOriginal({
    mode: 'RESTRICTED', workers: 2,
    users: [{ username: BENCH_USER, password: BENCH_PASSWORD }],
    settings: ['SUPPRESS_PERMISSION_DENIED_WARNINGS = True'],
  });
  try {
    const theirId = await registerInOriginal(original, calc.datastore);
    const login = await original.fetch('/accounts/ajax_login/', { method: 'POST', body: new URLSearchParams({ username: BENCH_USER, password: BENCH_PASSWORD }) });
    if (login.status !== 200) {
      throw new Error(`cannot log in to the original: ${login.status} ${await login.text()}`);
    }
    const theirCookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const oursUrl = `${calc.ls.server.base}/v1/calc/${calc.id}/extract/${MEAN_CURVES}`;
    const theirsUrl = `${original.base}/v1/calc/${theirId}/extract/${MEAN_CURVES}`;
    // warm-up: both gunicorn workers import the engine, both bridge processes open the file once
    let bytes = { ours: 0, original: 0 };
    for (let i = 0; i < 6; i += 1) {
      bytes = { ours: (await timed(oursUrl, calc.cookie)).bytes, original: (await timed(theirsUrl, theirCookie)).bytes };
    }
    const ours: number[] = [];
    const theirs: number[] = [];
    const engine: number[] = [];
    const http: number[] = [];
    for (let r = 0; r < rounds; r += 1) {
      engine.push(...await direct(calc.datastore, reps));
      for (let i = 0; i < reps; i += 1) {
        http.push((await timed(`${calc.ls.server.base}/v1/engine_version`, calc.cookie)).ms);
        ours.push((await timed(oursUrl, calc.cookie)).ms);
        theirs.push((await timed(theirsUrl, theirCookie)).ms);
      }
      report(`   round ${r + 1}: medians oq-webui ${median(ours.slice(-reps)).toFixed(1)} ms, original ${median(theirs.slice(-reps)).toFixed(1)} ms, the engine's extract in Python ${median(engine.slice(-reps)).toFixed(1)} ms, oq-webui's engine_version ${median(http.slice(-reps)).toFixed(1)} ms`);
    }
    return { ours: median(ours), original: median(theirs), engine: median(engine), http: median(http), bytes, samples: ours.length };
  } finally {
    await original.stop();
  }
}
