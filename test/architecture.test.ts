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

/** The code of a file without its comments. */
function codeOf(file: string): string {
  return readFileSync(join(PACKAGE_ROOT, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

describe('architecture: one path per concern (docs/architecture.md)', function () {
  it('src/data imports neither src/policies nor src/auth: the layers point down', function () {
    expect(breaches((f, to) => under(f, 'src/data') && (under(to, 'src/policies') || under(to, 'src/auth')))).to.deep.equal([]);
  });

  /** A driver's name, Sequelize's internals, or SQLite's file format. */
  const DRIVER_DETAIL = /'(better-)?sqlite3'|'pg'|connectionManager|options\.storage|-shm\b|-wal\b|WAL-index|data_version|walformat/;

  it('the driver check sees what it looks for', function () {
    for (const text of ["import('sqlite3')", "require('better-sqlite3')", 'db.connectionManager.getConnection', 'seq.options.storage', '`${file}-shm`', 'PRAGMA data_version']) {
      expect(DRIVER_DETAIL.test(text), text).to.equal(true);
    }
    expect(DRIVER_DETAIL.test(codeOf('src/db/sqlite.ts'))).to.equal(true);
  });

  it('no file outside src/db names a driver, Sequelize\'s internals or SQLite\'s file format', function () {
    expect(SOURCES.filter((f) => !under(f, 'src/db') && DRIVER_DETAIL.test(codeOf(f)))).to.deep.equal([]);
  });

  it('koa-session is a dependency and the only session middleware (no hand-written cookie or session code)', function () {
    const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies).to.have.property('koa-session');
    expect(SOURCES.filter((f) => importsOf(f).external.includes('koa-session'))).to.deep.equal(['src/middlewares/session.ts']);
    // reading the Cookie header, defining ctx.session, or signing cookies by hand
    const handMade = /headers\.cookie|defineProperty\(\s*app\.context|createHmac\(\s*'sha1'|'keygrip'|'cookies'/;
    expect(SOURCES.filter((f) => handMade.test(codeOf(f)))).to.deep.equal([]);
  });

  it('no route calls a cache\'s invalidation: the data layer forgets on its own writes', function () {
    const routes = SOURCES.filter((f) => under(f, 'src/routes'));
    const invalidation = /\.(bump|forget|invalidate|clear)\(|fresh-cache/;
    expect(routes.filter((f) => invalidation.test(codeOf(f)))).to.deep.equal([]);
    expect(breaches((f, to) => under(f, 'src/routes') && to === 'src/db/fresh-cache')).to.deep.equal([]);
  });
});

describe('architecture: one route context (docs/architecture.md)', function () {
  const routeFiles = SOURCES.filter((f) => under(f, 'src/routes') || under(f, 'src/calcs') || f === 'src/app-context.ts' || f === 'src/app.ts');

  /** Exported types named like a dependency bag (`CalcEnv`, `AppDeps`, ...) in `text`. */
  const dependencyShapes = (text: string): string[] =>
    [...text.matchAll(/export\s+(?:interface|type)\s+(\w*(?:Env|Deps|Dependencies|Environment))\b/g)].map((m) => m[1]);

  /** Router factories (a function that returns a Router, or adds routes to one) whose dependencies are not one RouteContext. */
  const otherFactories = (text: string): string[] =>
    [...text.matchAll(/export\s+function\s+(\w+)\(([^)]*)\)\s*:\s*(Router|void)\b/g)]
      .filter((m) => m[3] === 'Router' || /^router: Router\b/.test(m[2]))
      .filter((m) => !/^(router: Router, )?_?\w+: RouteContext$/.test(m[2].trim()))
      .map((m) => `${m[1]}(${m[2]})`);

  it('the checks see what they look for', function () {
    expect(dependencyShapes('export interface CalcEnv {\nexport type AppDeps = {')).to.deep.equal(['CalcEnv', 'AppDeps']);
    expect(otherFactories('export function calcRoutes(opts: { settings: Settings }): Router {')).to.have.length(1);
    expect(otherFactories('export function listRoutes(router: Router, env: CalcEnv): void {')).to.have.length(1);
    expect(otherFactories('export function listRoutes(router: Router, env: RouteContext): void {')).to.deep.equal([]);
    expect(routeFiles.filter((f) => otherFactories(codeOf(f)).length === 0 && /export\s+function\s+\w+\(env: RouteContext\): Router/.test(codeOf(f))).length).to.be.greaterThan(4);
  });

  it('no other dependency shape is exported by the routes, src/calcs or the app', function () {
    expect(routeFiles.flatMap((f) => dependencyShapes(codeOf(f)).map((n) => `${f}: ${n}`))).to.deep.equal([]);
  });

  it('every router factory takes the one RouteContext (src/app-context.ts)', function () {
    expect(routeFiles.flatMap((f) => otherFactories(codeOf(f)).map((n) => `${f}: ${n}`))).to.deep.equal([]);
  });
});
