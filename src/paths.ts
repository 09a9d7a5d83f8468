import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Walks up from this file to the folder holding the project's package.json. */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error('cannot find the oq-webui package root');
    }
    dir = parent;
  }
  return dir;
}

/** The installation folder (the one with package.json); relative defaults hang from it. */
export const PACKAGE_ROOT = findPackageRoot();

/** The compiled code (dist/), where the master finds the worker and runner entry points. */
export const DIST_ROOT = join(PACKAGE_ROOT, 'dist');

/** The version of oq-webui, from package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
