/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by package, the
 * figures docs/performance.md quotes.   node dist/bench/profile-summary.js FILE.cpuprofile [TOP]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a script comes from: a package under node_modules, node's own, or ours. */
function origin(url: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) {
    return m[1];
  }
  if (url.startsWith('node:') || url === '') {
    return url === '' ? '(native/gc/idle)' : 'node';
  }
  const ours = /\/dist\/(.*)$/.exec(url);
  return ours ? `ours: ${ours[1]}` : url;
}

const file = process.argv[2];
const top = Number(process.argv[3] ?? 25);
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const fn = new Map<string, number>();
const pkg = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id) as Node;
  const name = `${n.callFrame.functionName || '(anonymous)'} ${origin(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  fn.set(name, (fn.get(name) ?? 0) + us);
  const o = n.callFrame.url ? origin(n.callFrame.url) : n.callFrame.functionName;
  pkg.set(o, (pkg.get(o) ?? 0) + us);
}
const pct = (us: number): string => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled`);
console.log('\nself time by origin:');
[...pkg].sort((a, b) => b[1] - a[1]).slice(0, top).forEach(([k, v]) => console.log(`  ${pct(v)}  ${k}`));
console.log('\nself time by function:');
[...fn].sort((a, b) => b[1] - a[1]).slice(0, top).forEach(([k, v]) => console.log(`  ${pct(v)}  ${k}`));

// --callers NAME: the call paths (5 frames up) that lead to functions named NAME, by self time
const ci = process.argv.indexOf('--callers');
if (ci > 0) {
  const wanted = process.argv[ci + 1];
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    for (const c of n.children ?? []) {
      parent.set(c, n.id);
    }
  }
  const paths = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id) as Node;
    if (n.callFrame.functionName !== wanted) {
      continue;
    }
    const chain: string[] = [];
    for (let cur = parent.get(id); cur !== undefined && chain.length < 6; cur = parent.get(cur)) {
      const f = (byId.get(cur) as Node).callFrame;
      chain.push(`${f.functionName || '(anon)'}@${origin(f.url)}:${f.lineNumber + 1}`);
    }
    paths.set(chain.join(' < '), (paths.get(chain.join(' < ')) ?? 0) + us);
  }
  console.log(`\ncallers of ${wanted}:`);
  [...paths].sort((a, b) => b[1] - a[1]).slice(0, 8).forEach(([k, v]) => console.log(`  ${pct(v)}  ${k}`));
}
