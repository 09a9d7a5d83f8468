/**
 * The engine bridge's figures (issue 17), on one real calculation: 20 extracts at once on 2 bridge
 * processes against engine_version's rate (bench/bridge-load.ts), and the mean hazard curves of
 * 1,520 sites through oq-webui vs the original WebUI on the same datastore
 * (bench/extract-compare.ts). Run alone: `node dist/bench/engine-bridge.js`; `npm run bench` runs
 * it after the other targets. QUICK=1 shortens it.
 */
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { originalMissing } from '../test/helpers/original.js';
import { bridgeLoad, CONCURRENT_EXTRACTS } from './bridge-load.js';
import { runEngineCalc } from './engine-calc.js';
import { compareExtract } from './extract-compare.js';
import { report } from './lib.js';

/** One target's outcome (null: not measured). */
export interface BridgeVerdict {
  what: string;
  figure: string;
  pass: boolean | null;
}

const la = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');

/** Runs both measurements; their verdicts. */
export async function engineBridgeBench(quick: boolean): Promise<BridgeVerdict[]> {
  const missing = originalMissing();
  if (missing !== null) {
    report(`\nThe engine bridge: NOT MEASURED (${missing})`);
    return [{ what: 'engine bridge', figure: `not measured: ${missing}`, pass: null }];
  }
  const verdicts: BridgeVerdict[] = [];
  report(`\nThe engine bridge (issue 17): load average ${la()}`);
  const calc = await runEngineCalc();
  try {
    report(`   the fixture bench/fixtures/classical-grid: ${calc.sites} sites, run by the real engine through oq-webui in ${calc.runSeconds.toFixed(0)} s`);
    report(`\n8. ${CONCURRENT_EXTRACTS} concurrent extracts (${'hcurves?kind=mean'}) on 2 bridge processes vs /v1/engine_version (wrk -t2 -c16, alice's session)`);
    const l = await bridgeLoad(calc, quick ? 1 : 2, quick ? 3 : 6);
    const ratios = (k: 'during' | 'waiting'): string => l.ratios.map((r) => r[k].toFixed(2)).join(', ');
    verdicts.push({
      what: 'extracts answered, engine_version unaffected',
      figure: `${l.pythons} Python processes; ${l.extracts} extracts with 20 in flight, ${l.failedExtracts} not answered 200 (median ${l.extractMs.toFixed(0)} ms each); `
        + `engine_version's rate with the extracts running over without, each round: ${ratios('during')} (their CPU on 2 cores; best ${l.during.perSecond.toFixed(0)} vs ${l.without.perSecond.toFixed(0)} req/s, p99 ${l.during.p99.toFixed(1)} vs ${l.without.p99.toFixed(1)} ms), ${l.during.failed} failed; `
        + `with the 20 waiting on held Python processes: ${ratios('waiting')} (waiting on Python costs other routes nothing), ${l.waiting.failed} failed; load average ${l.load}`,
      pass: l.pythons === 2 && l.failedExtracts === 0 && l.during.failed === 0 && l.waiting.failed === 0 && l.extracts > 0,
    });
    report(`   => ${verdicts[0].figure}`);
    report(`\n9. Mean hazard curves of ${calc.sites} sites, oq-webui vs the original 3.26 on the same datastore, sequential requests`);
    const e = await compareExtract(calc, quick ? 2 : 4, quick ? 15 : 30);
    // as the other targets: the best round of each side (the machine's noise at its least)
    const ours = Math.min(...e.rounds.map((r) => r.ours));
    const theirs = Math.min(...e.rounds.map((r) => r.original));
    const overhead = Math.min(...e.rounds.map((r) => r.ours - r.engine));
    const hop = Math.min(...e.rounds.map((r) => r.bridge - r.engine));
    const a = e.all;
    verdicts.push({
      what: 'extract no slower than the original, overhead < 10 ms',
      figure: `best round's medians: oq-webui ${ours.toFixed(1)} ms, original ${theirs.toFixed(1)} ms (${(theirs / ours).toFixed(2)}x); oq-webui over the engine's own extract ${overhead.toFixed(1)} ms (< 10), `
        + `of which the bridge (socket, pool, Python's pipe, file) ${hop.toFixed(1)} ms; `
        + `medians of all ${e.samples}: oq-webui ${a.ours.toFixed(1)}, original ${a.original.toFixed(1)}, the engine in Python ${a.engine.toFixed(1)}, on the bridge's socket ${a.bridge.toFixed(1)}, an authenticated engine_version ${a.http.toFixed(1)} ms; `
        + `npz ${e.bytes.ours} vs ${e.bytes.original} bytes; load average ${la()}`,
      pass: ours <= theirs && overhead < 10,
    });
    report(`   => ${verdicts[1].figure}`);
  } finally {
    await calc.stop();
  }
  return verdicts;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = !!process.env.QUICK && process.env.QUICK !== '0';
  engineBridgeBench(quick).then((vs) => {
    report('\nSummary (a shared, noisy 2-core machine):');
    for (const v of vs) {
      report(`  ${v.pass === null ? 'N/A ' : v.pass ? 'PASS' : 'FAIL'}  ${v.what}: ${v.figure}`);
    }
    process.exit(0);
  }, (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
