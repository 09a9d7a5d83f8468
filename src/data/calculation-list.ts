/** The calculation list's SQL: the caller's visible jobs (./visibility.ts), the original's filters, paging and order. */
import type { Sequelize } from 'sequelize';
import type { ListParams } from '../calcs/list-params.js';
import type { ListRow } from '../calcs/presenters.js';
import { freshCache, type FreshCache } from '../db/fresh-cache.js';
import { selectRows, walksTables } from '../db/query.js';
import type { CalcModels } from '../db/models/calcs.js';
import { tagsOfJobs } from './tags.js';
import { visibleJobs, visibleOwners, type SqlPart, type Visibility } from './visibility.js';

/** The filters of a list request; `counting` for the job_count table (which has no start_time, relevant nor tags). */
function filters(p: ListParams, counting: boolean): SqlPart {
  const conds: string[] = [];
  const replacements: unknown[] = [];
  const add = (sql: string, ...values: unknown[]): void => {
    conds.push(sql);
    replacements.push(...values);
  };
  if (p.calculationMode !== undefined) {
    add('calculation_mode = ?', p.calculationMode);
  }
  if (p.isRunning !== undefined) {
    // is_running is true exactly for these statuses; filtering on the status serves job_count too
    add(`status ${p.isRunning ? '' : 'NOT '}IN ('submitted', 'executing')`);
  }
  if (p.status !== undefined) {
    add('status = ?', p.status);
  }
  if (p.startTime !== undefined && !counting) {
    add('start_time >= ?', p.startTime);
  }
  if (p.userNameLike !== undefined) {
    add('user_name LIKE ?', p.userNameLike);
  }
  if (p.relevant !== undefined && !counting) {
    // as literal text: the partial index job_not_relevant (migration 0006) matches `relevant = FALSE`
    add(`relevant = ${p.relevant ? 'TRUE' : 'FALSE'}`);
  }
  if (p.preferredOnly && !counting) {
    add('id IN (SELECT job_id FROM job_tag WHERE is_preferred = TRUE)');
  }
  if (p.filterByTag !== undefined && !counting) {
    add('id IN (SELECT jt.job_id FROM job_tag AS jt JOIN tag AS t ON t.id = jt.tag_id WHERE t.name = ?)', p.filterByTag);
  }
  return { sql: conds.map((c) => ` AND ${c}`).join(''), replacements };
}

/** The columns the list shows. */
export const LIST_COLUMNS = 'id, user_name, calculation_mode, status, is_running, description, pid, hazard_calculation_id, size_mb, start_time, relevant';

/** Above this many visible owners the page is read with one scan instead of one index probe per owner. */
const MAX_PROBES = 200;

/**
 * A restricted caller's page ordered by id is read by walking the job table from the newest id
 * (stopping at the page's end) when that walk is expected to visit at most this many rows, i.e.
 * when the caller sees a large part of all jobs; else through per-owner index probes (figures: docs/performance.md).
 */
const MAX_WALKED_ROWS = 1_000;

/** How the page of an id-ordered list is read: walking the table (`walk`) or probing each owner's index. */
export type PageAccess = 'walk' | 'probe';

/**
 * The access for a page of `p` when `matching` jobs match the request among `all` in the
 * table: walking visits about (offset + limit) * all / matching rows.
 */
export function pageAccess(p: ListParams, matching: number, all: number): PageAccess {
  return matching > 0 && (p.offset + p.limit) * all <= MAX_WALKED_ROWS * matching ? 'walk' : 'probe';
}

/** The page's order (`id` breaks ties). */
function orderOf(p: ListParams): string {
  return `ORDER BY ${p.orderBy} ${p.orderDir}${p.orderBy === 'id' ? '' : `, id ${p.orderDir}`}`;
}

/**
 * The page query. Ordered by id with a restricted actor, it takes the newest `offset + limit`
 * jobs of each visible owner and of the shared ones through their indexes, then the page from
 * their union: the cost depends on the page, not on how many jobs the database holds.
 */
function pageQuery(p: ListParams, owners: readonly string[] | null, access: PageAccess = 'probe'): SqlPart {
  const f = filters(p, false);
  const order = orderOf(p);
  if (owners !== null && p.orderBy === 'id' && access === 'walk') {
    // NOT INDEXED: the rowid order, stopping at the page's end (an owner index would read every visible job, then sort)
    const visible = visibleJobs(owners, p.includeShared);
    return {
      sql: `SELECT ${LIST_COLUMNS} FROM job NOT INDEXED WHERE ${visible.sql}${f.sql} ${order} LIMIT ? OFFSET ?`,
      replacements: [...visible.replacements, ...f.replacements, p.limit, p.offset],
    };
  }
  if (owners !== null && p.orderBy === 'id' && owners.length <= MAX_PROBES) {
    const k = p.offset + p.limit;
    const probes: string[] = [];
    const replacements: unknown[] = [];
    for (const owner of owners) {
      probes.push(`SELECT id FROM (SELECT id FROM job WHERE user_name = ? AND status != 'deleted'${f.sql} ORDER BY id ${p.orderDir} LIMIT ${k}) AS probe`);
      replacements.push(owner, ...f.replacements);
    }
    if (p.includeShared) {
      probes.push(`SELECT id FROM (SELECT id FROM job WHERE status = 'shared'${f.sql} ORDER BY id ${p.orderDir} LIMIT ${k}) AS probe`);
      replacements.push(...f.replacements);
    }
    if (probes.length === 0) {
      return { sql: `SELECT ${LIST_COLUMNS} FROM job WHERE 1 = 0`, replacements: [] };
    }
    return {
      sql: `SELECT ${LIST_COLUMNS} FROM job WHERE id IN (${probes.join(' UNION ALL ')}) ${order} LIMIT ? OFFSET ?`,
      replacements: [...replacements, p.limit, p.offset],
    };
  }
  const visible = visibleJobs(owners, p.includeShared);
  return {
    sql: `SELECT ${LIST_COLUMNS} FROM job WHERE ${visible.sql}${f.sql} ${order} LIMIT ? OFFSET ?`,
    replacements: [...visible.replacements, ...f.replacements, p.limit, p.offset],
  };
}

/**
 * The count query: from job_count (a few rows per owner) unless the request filters on
 * start_time or tags, or asks for the jobs not relevant, which only the job table knows. `relevant=true`
 * (every page of the WebUI) counts from job_count and takes away the visible jobs not relevant,
 * found through the partial index job_not_relevant (usually empty).
 */
function countQuery(p: ListParams, owners: readonly string[] | null): SqlPart {
  const visible = visibleJobs(owners, p.includeShared);
  const counting = p.startTime === undefined && p.relevant !== false && !p.preferredOnly && p.filterByTag === undefined;
  const f = filters(p, counting);
  if (!counting) {
    return { sql: `SELECT COUNT(*) AS n FROM job WHERE ${visible.sql}${f.sql}`, replacements: [...visible.replacements, ...f.replacements] };
  }
  const all = `SELECT COALESCE(SUM(n), 0) FROM job_count WHERE ${visible.sql}${f.sql}`;
  const replacements = [...visible.replacements, ...f.replacements];
  if (p.relevant !== true) {
    return { sql: `SELECT COALESCE(SUM(n), 0) AS n FROM job_count WHERE ${visible.sql}${f.sql}`, replacements };
  }
  const notRelevant = `SELECT COUNT(*) FROM job WHERE relevant = FALSE AND ${visible.sql}${f.sql}`;
  return { sql: `SELECT (${all}) - (${notRelevant}) AS n`, replacements: [...replacements, ...replacements] };
}

/** The page query (read as `access` says) and the count query of a list request for an actor whose visible owners are `owners`. */
export function listQueries(owners: readonly string[] | null, p: ListParams, access: PageAccess = 'probe'): { page: SqlPart; count: SqlPart } {
  return { page: pageQuery(p, owners, access), count: countQuery(p, owners) };
}

/** A page of the list: its rows in the page's order, and how many jobs match in all. */
export interface ListPage {
  rows: readonly ListRow[];
  total: number;
}

/** Pages kept per worker. */
const MAX_PAGES = 500;

const caches = new WeakMap<Sequelize, FreshCache<ListPage>>();

/**
 * One page of the jobs `v` sees, and how many there are in all; kept by the worker while the
 * epoch holds, at most `cacheMs` (0: not kept).
 */
export function listPage(db: Pick<CalcModels, 'sequelize'>, v: Visibility, p: ListParams, cacheMs: number): Promise<ListPage> {
  let cache = caches.get(db.sequelize);
  if (cache === undefined) {
    cache = freshCache(db.sequelize, { max: MAX_PAGES, ttlMs: cacheMs });
    caches.set(db.sequelize, cache);
  }
  return cache.get(JSON.stringify([v, p]), () => readPage(db, v, p));
}

/** Reads a page: the count first, since how many jobs match decides how the page is read. */
async function readPage(db: Pick<CalcModels, 'sequelize'>, v: Visibility, p: ListParams): Promise<ListPage> {
  const owners = await visibleOwners(db, v);
  const count = countQuery(p, owners);
  const total = Number((await selectRows<{ n: number }>(db.sequelize, count.sql, count.replacements))[0]?.n ?? 0);
  let access: PageAccess = 'probe';
  if (owners !== null && p.orderBy === 'id' && walksTables(db.sequelize)) {
    const [all] = await selectRows<{ n: number }>(db.sequelize, 'SELECT COALESCE(SUM(n), 0) AS n FROM job_count', []);
    access = pageAccess(p, total, Number(all?.n ?? 0));
  }
  const page = pageQuery(p, owners, access);
  const rows = await selectRows<ListRow>(db.sequelize, page.sql, page.replacements);
  const tags = await tagsOfJobs(db, rows.map((r) => r.id));
  for (const r of rows) {
    r.tags = tags.get(r.id) ?? null;
    Object.freeze(r);
  }
  return Object.freeze({ rows: Object.freeze(rows), total });
}
