/**
 * The house's dependency direction (docs/architecture.md), checked on the sources:
 *   bin → src/cli → master/ | worker/ → the application (src/), with src/ipc shared by both sides.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expect } from 'chai';
import { PACKAGE_ROOT } from '../src/paths.js';

/** Every .ts file below `dir` (relative to the package root). */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(join(PACKAGE_ROOT, d), { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory() && e.name !== 'node_modules') {
        walk(p);
      } else if (e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
        out.push(p);
      }
    }
  };
  walk(dir);
  return out;
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** What a file imports: project files as paths relative to the package root (without extension), packages as they are written. */
export function importsOf(file: string): { local: string[]; external: string[] } {
  const text = readFileSync(join(PACKAGE_ROOT, file), 'utf8')
    // comments may quote imports; they do not count
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
  const local: string[] = [];
  const external: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    if (spec.startsWith('.')) {
      local.push(relative(PACKAGE_ROOT, resolve(PACKAGE_ROOT, dirname(file), spec)).replace(/\.(js|ts)$/, ''));
    } else {
      external.push(spec);
    }
  }
  return { local, external };
}

const under = (path: string, folder: string): boolean => path === folder || path.startsWith(`${folder}/`);

const SOURCES = [...tsFiles('src'), ...tsFiles('master'), ...tsFiles('worker')];

/** Pairs [file, imported] that break a rule. */
function breaches(rule: (from: string, to: string) => boolean, files = SOURCES): string[] {
  return files.flatMap((f) => importsOf(f).local.filter((to) => rule(f, to)).map((to) => `${f} imports ${to}`));
}

describe('architecture: which folder may import which', function () {
  it('finds the imports it checks (the parser sees static, type-only, re-export and dynamic imports)', function () {
    const worker = importsOf('worker/main.ts').local;
    expect(worker).to.include('src/ipc/protocol');
    expect(worker).to.include('src/app');
    expect(importsOf('src/cli/start.ts').local).to.include('master/main');
    expect(SOURCES.length).to.be.greaterThan(50);
  });

  it('nothing of the application (src/ but src/cli) imports master/ or worker/', function () {
    expect(breaches((f, to) => under(f, 'src') && !under(f, 'src/cli') && (under(to, 'master') || under(to, 'worker')))).to.deep.equal([]);
  });

  it('worker/ does not import master/, master/ does not import worker/ (both speak through src/ipc)', function () {
    expect(breaches((f, to) => (under(f, 'worker') && under(to, 'master')) || (under(f, 'master') && under(to, 'worker')))).to.deep.equal([]);
  });

  it('master/ and worker/ do not import the commands (src/cli): the arrow points from the commands to them', function () {
    expect(breaches((f, to) => (under(f, 'master') || under(f, 'worker')) && under(to, 'src/cli'))).to.deep.equal([]);
  });

  it('the commands start the master, never a worker (workers are the master\'s to fork)', function () {
    expect(breaches((f, to) => under(f, 'src/cli') && under(to, 'worker'))).to.deep.equal([]);
  });

  it('src/ipc, shared by both sides, needs nothing but the settings type', function () {
    expect(breaches((f, to) => under(f, 'src/ipc') && !under(to, 'src/ipc') && to !== 'src/settings/schema')).to.deep.equal([]);
  });

  it('only the master and the children send or receive IPC messages directly (through src/ipc)', function () {
    const direct = SOURCES.filter((f) => !under(f, 'src/ipc') && /process\.send\s*\(|process\.on\(\s*['"]message['"]/.test(readFileSync(join(PACKAGE_ROOT, f), 'utf8')));
    expect(direct).to.deep.equal([]);
  });

  it('bin/ starts the commands and nothing else', function () {
    const text = readFileSync(join(PACKAGE_ROOT, 'bin', 'oq-webui.js'), 'utf8');
    const targets = [...text.matchAll(/['"](\.\.\/[^'"]+)['"]/g)].map((m) => m[1]);
    expect(targets).to.deep.equal(['../dist/src/cli/main.js']);
  });

  it('has no import cycle between files of src/, master/ and worker/', function () {
    const graph = new Map(SOURCES.map((f) => [f.replace(/\.ts$/, ''), importsOf(f).local]));
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (node: string, path: string[]): void => {
      if (state.get(node) === 'done') {
        return;
      }
      if (state.get(node) === 'open') {
        cycles.push([...path.slice(path.indexOf(node)), node].join(' → '));
        return;
      }
      state.set(node, 'open');
      for (const next of graph.get(node) ?? []) {
        if (graph.has(next)) {
          visit(next, [...path, node]);
        }
      }
      state.set(node, 'done');
    };
    for (const node of graph.keys()) {
      visit(node, []);
    }
    expect(cycles).to.deep.equal([]);
  });
});
