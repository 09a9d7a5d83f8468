/**
 * The web worker's entry point (what the master forks, as `launch.js <dist/worker/main.js>`): runs the bundle of the worker
 * (dist/worker/main.bundle.mjs, made by `npm run build`: worker/bundle.ts) while every file it
 * was made from is exactly as it was bundled (same size and mtime), else dist/worker/main.js.
 * A replacement worker then boots from one file instead of some 700 (docs/performance.md,
 * target 6), and a `tsc` run without the bundling step, an edited file or a copied tree runs
 * the code as it is now, never a stale bundle. Checked here, in the new process (some 700
 * stat calls, a few milliseconds), not in the master, whose memory it would grow by megabytes.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUNDLE_FILE, MANIFEST_FILE, type BundleManifest } from '../src/worker-bundle-files.js';

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = join(here, '..', '..');
/** The worker module (the master passes dist/worker/main.js). */
const main = process.argv[2] ?? join(here, 'main.js');

/** The bundle when it is current, else null. */
function currentBundle(): string | null {
  try {
    const manifest = JSON.parse(readFileSync(join(here, MANIFEST_FILE), 'utf8')) as BundleManifest;
    if (join(packageRoot, manifest.entry) !== main) {
      return null;
    }
    for (const [input, [size, mtimeMs]] of Object.entries(manifest.inputs)) {
      const s = statSync(join(packageRoot, input));
      if (s.size !== size || s.mtimeMs !== mtimeMs) {
        return null;
      }
    }
    const bundle = statSync(join(here, BUNDLE_FILE));
    return bundle.size === manifest.bundle[0] && bundle.mtimeMs === manifest.bundle[1] ? join(here, BUNDLE_FILE) : null;
  } catch {
    // no bundle, no manifest, an input gone: the files as they are
    return null;
  }
}

await import(pathToFileURL(currentBundle() ?? main).href);
