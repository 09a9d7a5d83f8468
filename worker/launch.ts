/**
 * The web worker's entry point (the master forks `launch.js <dist/worker/main.js>`): runs the
 * worker's bundle while it is current (a replacement boots from one file), else main.js.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { currentBundle } from '../src/worker-bundle-files.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The worker module (the master passes dist/worker/main.js). */
const main = process.argv[2] ?? join(here, 'main.js');

await import(pathToFileURL(currentBundle(here, join(here, '..', '..'), main) ?? main).href);
