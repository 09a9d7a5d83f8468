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
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { askBridge } from '../src/bridge/client.js';
import { startOriginal, type OriginalServer } from '../test/helpers/original.js';
import { BENCH_PASSWORD, BENCH_USER, ENGINE_PYTHON, type EngineCalc } from './engine-calc.js';
import { median, report } from './lib.js';

export const MEAN_CURVES = 'hcurves?kind=mean';

/** The engine's extract as the bridge adapter and the original's view run it, once per line read; ms each. */
const DIRECT = `
import os, sys, tempfile, time
from openquake.baselib import hdf5
from openquake.calculators.extract import extract
from openquake.commonlib import datastore
path, what = sys.argv[1], sys.argv[2]
for _ in sys.stdin:
    t0 = time.perf_counter()
    with datastore.read(path) as ds:
        fd, fname = tempfile.mkstemp(suffix='.npz')
        os.close(fd)
        hdf5.save_npz(extract(ds, what), fname)
    ms = (time.perf_counter() - t0) * 1000
    os.remove(fname)
    print('%.3f' % ms, flush=True)
`;

/** A warm Python process timing the engine's own extract when asked (interleaved with the HTTP requests). */
function directTimer(datastore: string): { once(): Promise<number>; stop(): void } {
  const proc = spawn(ENGINE_PYTHON, ['-c', DIRECT, datastore, MEAN_CURVES], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, CI: '1' } });
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  return {
    async once() {
      proc.stdin.write('\n');
      const next = await lines.next();
      if (next.done) {
        throw new Error('the timing Python exited');
      }
      return Number(next.value);
    },
    stop: () => proc.kill(),
  };
}

/** Wall time (ms) of the extract asked straight on the bridge's socket, its file read to the end. */
async function viaBridge(socket: string, datastore: string): Promise<number> {
  const t0 = performance.now();
  const reply = await askBridge(socket, 'extract', { datastore, what: 'hcurves', query: '?kind=mean' });
  if (reply.kind === 'file') {
    for await (const chunk of reply.stream) {
      void chunk;
    }
  }
  return performance.now() - t0;
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

/** Medians (ms) of one round, or of all rounds. */
export interface ExtractMedians {
  ours: number;
  original: number;
  /** The engine's extract in a warm Python process. */
  engine: number;
  /** The same extract asked straight on the bridge's socket (Python, the pool, the bridge process). */
  bridge: number;
  /** An authenticated round trip that needs no engine (/v1/engine_version with the session). */
  http: number;
}

/** What the comparison measured. */
export interface ExtractFigures {
  all: ExtractMedians;
  rounds: ExtractMedians[];
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
    const bridge: number[] = [];
    const rows: ExtractMedians[] = [];
    const socket = `${calc.ls.server.controlSocket}.bridge`;
    const timer = directTimer(calc.datastore);
    try {
      for (let i = 0; i < 5; i += 1) {
        await timer.once();
      }
      // one of each in turn, so the four figures share the machine's moment
      for (let r = 0; r < rounds; r += 1) {
        for (let i = 0; i < reps; i += 1) {
          engine.push(await timer.once());
          bridge.push(await viaBridge(socket, calc.datastore));
          http.push((await timed(`${calc.ls.server.base}/v1/engine_version`, calc.cookie)).ms);
          ours.push((await timed(oursUrl, calc.cookie)).ms);
          theirs.push((await timed(theirsUrl, theirCookie)).ms);
        }
        const m = (v: number[]): number => median(v.slice(-reps));
        rows.push({ ours: m(ours), original: m(theirs), engine: m(engine), bridge: m(bridge), http: m(http) });
        report(`   round ${r + 1} (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}): medians oq-webui ${m(ours).toFixed(1)} ms, original ${m(theirs).toFixed(1)} ms, `
          + `the engine's extract in Python ${m(engine).toFixed(1)} ms, on the bridge's socket ${m(bridge).toFixed(1)} ms, oq-webui's engine_version ${m(http).toFixed(1)} ms`);
      }
    } finally {
      timer.stop();
    }
    return {
      all: { ours: median(ours), original: median(theirs), engine: median(engine), bridge: median(bridge), http: median(http) },
      rounds: rows, bytes, samples: ours.length,
    };
  } finally {
    await original.stop();
  }
}
