/**
 * Which file a web worker is forked from: the bundle (dist/worker/main.bundle.mjs, built by
 * `npm run build`, docs/performance.md target 6) while every file it was made from is exactly as
 * it was bundled (same size and mtime), else dist/worker/main.js. So a `tsc` run without the
 * bundling step, an edited file or a copied tree runs the code as it is now, never a stale bundle.
 * Checked at every fork (some 800 stat calls, a few milliseconds): new code is picked up as before.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE_FILE, MANIFEST_FILE, type BundleManifest } from '../src/worker-bundle-files.js';

/** The manifest as last read, by the manifest's mtime. */
let known: { mtimeMs: number; manifest: BundleManifest | null } | null = null;

function manifestAt(file: string): BundleManifest | null {
  const mtimeMs = statSync(file).mtimeMs;
  if (known?.mtimeMs !== mtimeMs) {
    let manifest: BundleManifest | null = null;
    try {
      manifest = JSON.parse(readFileSync(file, 'utf8')) as BundleManifest;
    } catch {
      manifest = null;
    }
    known = { mtimeMs, manifest };
  }
  return known.manifest;
}

/** `entry` (dist/worker/main.js), or the bundle made from it when the bundle is current. */
export function webWorkerEntry(packageRoot: string, entry: string): string {
  try {
    const dir = join(packageRoot, 'dist', 'worker');
    const manifest = manifestAt(join(dir, MANIFEST_FILE));
    if (manifest === null || join(packageRoot, manifest.entry) !== entry) {
      return entry;
    }
    for (const [input, [size, mtimeMs]] of Object.entries(manifest.inputs)) {
      const s = statSync(join(packageRoot, input));
      if (s.size !== size || s.mtimeMs !== mtimeMs) {
        return entry;
      }
    }
    const bundle = statSync(join(dir, BUNDLE_FILE));
    return bundle.size === manifest.bundle[0] && bundle.mtimeMs === manifest.bundle[1] ? join(dir, BUNDLE_FILE) : entry;
  } catch {
    // no bundle, no manifest, an input gone: the files as they are
    return entry;
  }
}
