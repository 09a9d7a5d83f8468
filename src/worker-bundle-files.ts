/**
 * The web worker's bundle (worker/bundle.ts writes it at build time, worker/launch.ts
 * decides whether to run it): its file names in dist/worker/ and what its manifest holds.
 */

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
