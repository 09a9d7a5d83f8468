/**
 * `node dist/worker/bundle.js` (the last step of `npm run build`): bundles the web worker
 * (dist/worker/main.js and everything it imports, node_modules included) into one file,
 * dist/worker/main.bundle.mjs, with esbuild. A replacement worker then boots from one file
 * instead of resolving and compiling some 800: docs/performance.md (target 6) has the figures.
 *
 * Beside it, main.bundle.json lists every input with its size and mtime; the worker's entry
 * point runs the bundle only while every input is exactly as bundled (worker/launch.ts), otherwise
 * dist/worker/main.js: a `tsc` run without this step, an edited or copied tree, never runs stale code.
 *
 * Kept external: native and optional drivers (sqlite3, pg, ...) and what a worker never loads.
 * Each bundled file of ours keeps its own `import.meta.url` (migrations, config files and the
 * package root are found relative to it), written relative to the bundle so the tree may move.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { DIST_ROOT, PACKAGE_ROOT } from '../src/paths.js';
import { BUNDLE_FILE, MANIFEST_FILE, type BundleManifest } from '../src/worker-bundle-files.js';

const EXTERNAL = [
  'sqlite3', 'pg', 'pg-hstore', 'pg-native', 'pg-query-stream', 'mysql2', 'mariadb', 'tedious', 'oracledb', 'ibm_db', 'snowflake-sdk',
  'better-sqlite3', 'authenticate-pam', 'unix-dgram', 'umzug', 'esbuild',
];

async function main(): Promise<void> {
  const t0 = Date.now();
  const entry = join(DIST_ROOT, 'worker', 'main.js');
  const outfile = join(DIST_ROOT, 'worker', BUNDLE_FILE);
  const outDir = dirname(outfile);
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    // whitespace only: names stay (profiles and stack traces read as the sources); a smaller
    // source is less for V8 to keep in every worker's heap
    minifyWhitespace: true,
    legalComments: 'none',
    // the CommonJS packages inside call require(): give them one that resolves from dist/worker/
    banner: { js: "import { createRequire as __oqCreateRequire } from 'node:module'; const require = __oqCreateRequire(import.meta.url);" },
    absWorkingDir: PACKAGE_ROOT,
    metafile: true,
    logLevel: 'warning',
    plugins: [{
      name: 'own-import-meta-url',
      setup(b) {
        b.onLoad({ filter: /\.js$/ }, async (args) => {
          const own = args.path.startsWith(DIST_ROOT + sep);
          const text = await readFile(args.path, 'utf8');
          if (!own || !text.includes('import.meta.url')) {
            return undefined;
          }
          const rel = relative(outDir, args.path).split(sep).join('/');
          return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'js' };
        });
      },
    }],
  });
  const inputs: BundleManifest['inputs'] = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const abs = resolve(PACKAGE_ROOT, input);
    const s = await stat(abs);
    inputs[relative(PACKAGE_ROOT, abs).split(sep).join('/')] = [s.size, s.mtimeMs];
  }
  const out = await stat(outfile);
  const manifest: BundleManifest = { entry: relative(PACKAGE_ROOT, entry).split(sep).join('/'), bundle: [out.size, out.mtimeMs], inputs };
  await writeFile(join(outDir, MANIFEST_FILE), JSON.stringify(manifest));
  const size = out.size;
  process.stdout.write(`bundled ${pathToFileURL(entry).pathname} and ${Object.keys(inputs).length - 1} imports into ${relative(PACKAGE_ROOT, outfile)} (${(size / 1048576).toFixed(1)} MiB) in ${Date.now() - t0} ms\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
