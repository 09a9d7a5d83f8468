/**
 * The web worker's bundle (worker/bundle.ts writes it at build time and it ships in the package):
 * its file names, its manifest, and whether it may run in place of dist/worker/main.js.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The bundled web worker, beside dist/worker/main.js. */
export const BUNDLE_FILE = 'main.bundle.mjs';
/** Its manifest, beside it. */
export const MANIFEST_FILE = 'main.bundle.json';

/** What was bundled: every input (a path relative to the package root) with its size and mtime (ms) then. */
export interface BundleManifest {
  entry: string;
  /** The bundle's own size and mtime (ms) when it was written. */
  bundle: [size: number, mtimeMs: number];
  inputs: Record<string, [size: number, mtimeMs: number]>;
}

/**
 * The bundle in `workerDir` when it was made from `main` and each of our inputs is still the size
 * it was bundled at and not newer than the bundle (an edit, a `tsc` without the bundling step);
 * else null: main.js runs. Mtimes are compared to the bundle's, because `npm pack` gives every
 * file one mtime; packages are not compared, since the bundle carries the code it was tested with.
 */
export function currentBundle(workerDir: string, packageRoot: string, main: string): string | null {
  try {
    const manifest = JSON.parse(readFileSync(join(workerDir, MANIFEST_FILE), 'utf8')) as BundleManifest;
    const file = join(workerDir, BUNDLE_FILE);
    const bundle = statSync(file);
    if (join(packageRoot, manifest.entry) !== main || bundle.size !== manifest.bundle[0]) {
      return null;
    }
    for (const [input, [size]] of Object.entries(manifest.inputs)) {
      if (input.startsWith('node_modules/')) {
        continue;
      }
      const s = statSync(join(packageRoot, input));
      if (s.size !== size || s.mtimeMs > bundle.mtimeMs) {
        return null;
      }
    }
    return file;
  } catch {
    // no bundle, no manifest, an input gone: the files as they are
    return null;
  }
}
