/**
 * `oq-webui collectstatic`: copies the pages' built assets (dist/static: styles, scripts,
 * icons, their fingerprinted copies and manifest.json) into STATIC_ROOT for nginx, as the seed's
 * `oq webui collectstatic` does. Files already there with the same content are left alone, so
 * it is safe to re-run; it says what it copied.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { BUILT_STATIC_DIR } from '../routes/pages/assets.js';
import { PACKAGE_ROOT } from '../paths.js';
import type { Command } from './command.js';
import { commandSettings } from './db-command.js';

function walk(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

function sameContent(a: string, b: string): boolean {
  if (!existsSync(b) || statSync(a).size !== statSync(b).size) {
    return false;
  }
  const hash = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
  return hash(a) === hash(b);
}

/** Copies every built asset into `root`; returns the copied and unchanged relative names. */
export function collectStatic(root: string, from = BUILT_STATIC_DIR): { copied: string[]; unchanged: string[] } {
  const copied: string[] = [];
  const unchanged: string[] = [];
  for (const file of walk(from)) {
    const name = relative(from, file).split(sep).join('/');
    const target = join(root, name);
    if (sameContent(file, target)) {
      unchanged.push(name);
      continue;
    }
    mkdirSync(dirname(target), { recursive: true });
    // copy then rename: nginx never serves a half-written file
    const tmp = `${target}.tmp-${process.pid}`;
    copyFileSync(file, tmp);
    renameSync(tmp, target);
    copied.push(name);
  }
  return { copied, unchanged };
}

export const collectstaticCommand: Command = {
  usage: 'oq-webui collectstatic [-c CONFIG] [--noinput]   (STATIC_ROOT from the settings file or $OQ_WEBUI_STATIC_ROOT)',
  withSettings: true,
  // STATIC_ROOT has no flag: none of the server's flags mean anything here
  settingFlags: [],
  extras: [{ flag: '--noinput', kind: 'boolean', help: 'Accepted for the seed\'s habits: collectstatic never asks anything.' }],
  epilog: 'nginx serves STATIC_ROOT under /static/ (config/nginx/oq-webui.conf); run it again after an upgrade.',
  async run(args) {
    const s = commandSettings(args);
    if (!s) {
      return 2;
    }
    const root = resolve(s.STATIC_ROOT);
    if (!existsSync(join(BUILT_STATIC_DIR, 'manifest.json'))) {
      process.stderr.write(`Error: the assets are not built (${BUILT_STATIC_DIR} has no manifest.json): run npm run build first.\n`);
      return 1;
    }
    for (const own of [BUILT_STATIC_DIR, join(PACKAGE_ROOT, 'static'), join(PACKAGE_ROOT, 'src')]) {
      if (root === own || root.startsWith(`${own}${sep}`)) {
        process.stderr.write(`Error: STATIC_ROOT (${root}) is inside the project's own ${relative(PACKAGE_ROOT, own)}/ folder: choose another folder, e.g. /var/www/webui.\n`);
        return 1;
      }
    }
    let result;
    try {
      result = collectStatic(root);
    } catch (e) {
      process.stderr.write(`Error: cannot copy the static files to ${root}: ${(e as Error).message}\n`);
      return 1;
    }
    for (const name of result.copied) {
      process.stdout.write(`Copying ${name}\n`);
    }
    process.stdout.write(`\n${result.copied.length} static file${result.copied.length === 1 ? '' : 's'} copied to '${root}', ${result.unchanged.length} unmodified.\n`);
    return 0;
  },
};
