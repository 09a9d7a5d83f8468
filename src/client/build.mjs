#!/usr/bin/env node
// Builds the browser assets into dist/static/: the pages' TypeScript (src/client/main.ts) bundled
// by esbuild, and the files of static/ (styles, icons). Every file gets a fingerprinted copy
// (name.<hash>.ext, served with a year-long cache) listed in dist/static/manifest.json; the plain
// names stay for anything that links them directly (short cache). Run by `npm run build`.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'dist', 'static');
const FINGERPRINTED = /\.[0-9a-f]{10}\.[A-Za-z0-9]+$/;

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, 'src', 'client', 'main.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  legalComments: 'none',
  logLevel: 'warning',
});
for (const file of walk(join(root, 'static'))) {
  const target = join(out, relative(join(root, 'static'), file));
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(file, target);
}
const manifest = {};
for (const file of walk(out).sort()) {
  const name = relative(out, file).split(sep).join('/');
  if (FINGERPRINTED.test(name)) {
    continue;
  }
  const hash = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 10);
  const dot = name.lastIndexOf('.');
  const hashed = dot > name.lastIndexOf('/') ? `${name.slice(0, dot)}.${hash}${name.slice(dot)}` : `${name}.${hash}`;
  copyFileSync(file, join(out, hashed));
  manifest[name] = hashed;
}
writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
