/**
 * The last step of `npm run build`: the web worker and its imports in one file (it ships in the
 * package: a replacement worker boots from one file), with a manifest src/worker-bundle-files.ts checks.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { DRIVER_PACKAGES } from '../src/db/drivers.js';
import { DIST_ROOT, PACKAGE_ROOT } from '../src/paths.js';
import { BUNDLE_FILE, MANIFEST_FILE, type BundleManifest } from '../src/worker-bundle-files.js';

const EXTERNAL = [...DRIVER_PACKAGES, 'authenticate-pam', 'unix-dgram', 'esbuild'];

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
