/**
 * `npm run bench`: every benchmark of the master and workers, one after the other, printing
 * figures and ratios measured in this run (no thresholds: the machine decides the numbers).
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { calcListBenchmark } from './calc-list.js';
import { hupsUnderLoad } from './reload-under-load.js';
import { killsUnderLoad } from './kills-under-load.js';
import { median, mib, report } from './lib.js';
import { memory } from './memory.js';
import { throughput } from './throughput.js';

async function main(): Promise<void> {
  const began = Date.now();
  // `wrk -v` prints its version and exits non-zero
  const wrkVersion = spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0].trim() || 'wrk';
  report(`oq-webui benchmarks: node ${process.version}, ${availableParallelism()} CPU(s), load tool ${wrkVersion}`);

  report('\n1. Throughput of GET /v1/engine_version, 2 workers, access log on, vs a bare node:cluster hello with 2 workers (wrk, 1 thread, 32 connections)');
  const t = await throughput();
  report(`   oq-webui ${t.ours.toFixed(0)} req/s, node:cluster hello ${t.baseline.toFixed(0)} req/s: ratio ${t.ratio.toFixed(2)} (target >= 0.6); failed ${t.failed}`);
  report(`   server CPU per request (best round): oq-webui ${t.oursCpu.toFixed(1)} us, hello ${t.baselineCpu.toFixed(1)} us: ratio ${(t.baselineCpu / t.oursCpu).toFixed(2)}`);

  report('\n2. Five HUPs during a 10 s load (wrk, 32 connections)');
  const h = await hupsUnderLoad();
  report(`   failed requests: ${h.failed} of ${h.requests} over ${h.reloads} reloads (target 0)`);

  report('\n3. A SIGKILLed worker every 2 s during a 10 s load (wrk, 32 connections)');
  const k = await killsUnderLoad();
  report(`   failed requests: ${k.failed} of ${k.requests} after ${k.kills} kills; the killed workers held ${k.held} connections (at most one request in flight on each can fail)`);
  report(`   median time from the kill to the replacement accepting: ${median(k.replaceMs).toFixed(0)} ms`);

  report('\n4. Memory (RSS), idle');
  const m = await memory();
  report(`   master ${mib(m.master)}; each idle worker ${m.workers.map(mib).join(', ')}${m.runner ? `; job runner ${mib(m.runner)}` : ''}`);

  report('\n5. GET /v1/calc/list?limit=100 for a logged-in group member, 100,000 vs 300 jobs (bench/calc-list.ts)');
  await calcListBenchmark((line) => report(`   ${line}`));

  report(`\nDone in ${((Date.now() - began) / 1000).toFixed(0)} s.`);
}

main().then(() => process.exit(0), (e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
