/**
 * The corpus (test/parity/corpus.txt, one case a line) and the list of intended differences
 * (docs/parity.md, its tables), as the suite reads them.
 *
 * A corpus line: `MODE ACTOR METHOD PATH [BODY]`
 * - MODE: RESTRICTED, PUBLIC or READ_ONLY (the application mode both servers run in);
 * - ACTOR: anonymous, owner, member, outsider, root, viewer (level 0); `owner!` is a new session of owner made for
 *   this case alone (for logout);
 * - PATH: may hold the symbols {done} {failed} {aborted} {unknown} {out0} {out1} (servers' ids);
 * - BODY: `form:a=1&b=2` (urlencoded), `zip:demo|bad|long|noini[&field=value...]` (multipart with
 *   `archive`), `fields:a=1&b=2` (multipart without a file), or nothing.
 * An intended difference: a table row `| MODE | ROUTE | ACTORS | FIELD | REASON |` (ROUTE as
 * `routeOf` names it, ACTORS comma-separated or `*`, MODE or `*`); FIELD `*` (the whole response)
 * only under the heading for routes we do not serve; ROUTE `*` only under the heading "Everywhere".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/paths.js';
import type { Difference } from './compare.js';

/** One case of the corpus. */
export interface Case {
  line: number;
  mode: 'RESTRICTED' | 'PUBLIC' | 'READ_ONLY';
  actor: string;
  method: string;
  path: string;
  body: string;
  route: string;
}

/** One intended difference. */
export interface Intended {
  section: string;
  mode: string;
  route: string;
  actors: string[];
  field: string;
  reason: string;
  used: number;
}

export const CORPUS_FILE = join(PACKAGE_ROOT, 'test', 'parity', 'corpus.txt');
export const PARITY_DOC = join(PACKAGE_ROOT, 'docs', 'parity.md');

/** The route of a path: symbols → {id} / {rid}, a log slice → {slice}, the query dropped. */
export function routeOf(method: string, path: string): string {
  const p = path.split('?')[0]
    .replace(/\{out\d+\}/g, '{rid}')
    .replace(/\{(done|failed|aborted|unknown)\}/g, '{id}')
    .replace(/\/log\/[^/]*:[^/]*$/, '/log/{slice}');
  return `${method} ${p}`;
}

/** Reads the corpus. */
export function readCorpus(file = CORPUS_FILE): Case[] {
  const cases: Case[] = [];
  readFileSync(file, 'utf8').split('\n').forEach((raw, i) => {
    const text = raw.trim();
    if (text === '' || text.startsWith('#')) {
      return;
    }
    const [mode, actor, method, path, body = ''] = text.split(/\s+/);
    if (!['RESTRICTED', 'PUBLIC', 'READ_ONLY'].includes(mode) || !path?.startsWith('/')) {
      throw new Error(`${file}:${i + 1}: not MODE ACTOR METHOD PATH [BODY]: ${text}`);
    }
    cases.push({ line: i + 1, mode: mode as Case['mode'], actor, method, path, body, route: routeOf(method, path) });
  });
  return cases;
}

/** Sections whose rows may name a whole route (FIELD `*`). */
const WHOLE_ROUTE_SECTIONS = /^Routes oq-webui does not serve/;

/** Reads the intended differences from docs/parity.md. */
export function readIntended(file = PARITY_DOC): Intended[] {
  const out: Intended[] = [];
  let section = '';
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const heading = /^#+\s+(.*)$/.exec(raw);
    if (heading) {
      section = heading[1].trim();
      continue;
    }
    if (!raw.startsWith('|') || /^\|\s*(Mode|-)/.test(raw)) {
      continue;
    }
    const cells = raw.split('|').slice(1, -1).map((c) => c.trim().replace(/^`|`$/g, ''));
    if (cells.length !== 5) {
      throw new Error(`${file}: a row of an intended-differences table needs 5 cells: ${raw}`);
    }
    const [mode, route, actors, field, reason] = cells;
    if (field === '*' && !WHOLE_ROUTE_SECTIONS.test(section)) {
      throw new Error(`${file}: FIELD * (a whole route) only under "Routes oq-webui does not serve": ${raw}`);
    }
    out.push({ section, mode, route, actors: actors.split(',').map((a) => a.trim()), field, reason, used: 0 });
  }
  return out;
}

/** The intended difference that explains `d` for `c`, or undefined. */
export function explain(c: Case, d: Difference, intended: Intended[]): Intended | undefined {
  const actor = c.actor.replace(/!$/, '');
  return intended.find((e) => (e.mode === '*' || e.mode === c.mode) && (e.route === c.route || (e.route === '*' && e.section.startsWith('Everywhere')))
    && (e.actors.includes('*') || e.actors.includes(actor)) && (e.field === d.field || e.field === '*'));
}
