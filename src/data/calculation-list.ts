/**
 * The calculation list's SQL: the caller's visible jobs (policies/calculation.ts's visibility
 * rule, the same as maySeeCalculation), the original's filters, paging and order.
 */
import type { Actor } from '../auth/actor.js';
import { derivedFromActor } from '../auth/auth-cache.js';
import type { ListParams } from '../calcs/list-params.js';
import type { ListRow } from '../calcs/presenters.js';
import { selectRows } from '../db/sqlite.js';
import type { CalcModels } from '../db/models/calcs.js';
import { visibleJobs, type SqlPart } from '../policies/calculation.js';
import { visibleOwners } from './calculations.js';

/** The filters of a list request; `counting` for the job_count table (which has no start_time nor relevant). */
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
  return { sql: conds.map((c) => ` AND ${c}`).join(''), replacements };
}

/** The columns the list shows. */
export const LIST_COLUMNS = 'id, user_name, calculation_mode, status, is_running, description, pid, hazard_calculation_id, size_mb, start_time';

/** Above this many visible owners the page is read with one scan instead of one index probe per owner. */
const MAX_PROBES = 200;

/**
 * A restricted caller's page ordered by id is read by walking the job table from the newest id
 * (stopping at the page's end) when that walk is expected to visit at most this many rows, i.e.
 * when the caller sees a large part of all jobs; else through per-owner index probes. Measured
 * on 300 jobs, the presented page of 100 (docs/performance.md): walking ~195 µs, probing ~275
 * µs; a row walked costs ~0.1 µs.
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
 * A REAL column as JSON, with a number that reads back as the same double: 15 significant
 * digits when they do (most values: 0.1 stays 0.1), else 17 (SQLite's own JSON writes 15, which
 * would change e.g. 1.1773748397827148). Integers and NULL as they are.
 */
function realJson(column: string): string {
  const short = `printf('%!.15g', ${column})`;
  return `CASE WHEN typeof(${column}) = 'real' THEN json(CASE WHEN CAST(${short} AS REAL) = ${column} THEN ${short} ELSE printf('%!.17g', ${column}) END) ELSE ${column} END`;
}

/** A date as Sequelize writes it in SQLite (`2025-01-31 14:05:09.123 +00:00`). */
const SEQUELIZE_DATE = "length(start_time) = 30 AND substr(start_time, 24) = ' +00:00'";

/** The date as SQLite's strftime reads any form of it: NULL when it cannot. */
const START_TIME_STRFTIME = "strftime('%Y-%m-%d, %H:%M:%S UTC', start_time)";

/**
 * The list's start_time as presentListItem writes it (`2025-01-31, 14:05:09 UTC`), or NULL when
 * SQLite cannot read the date. Sequelize's dates are cut to shape (strftime costs twice as
 * much: ~27 µs for a page of 100); others go through strftime.
 */
const START_TIME_TEXT = `CASE WHEN ${SEQUELIZE_DATE} THEN substr(start_time, 1, 10) || ', ' || substr(start_time, 12, 8) || ' UTC' ELSE ${START_TIME_STRFTIME} END`;

/**
 * In a presented page, the mark of a start time SQLite could not read (start_time is NOT NULL:
 * only strftime's NULL writes it). It can only be a key and its value: inside a JSON string
 * every `"` is escaped, so no description holds the quote that directly follows `start_time`.
 */
const UNREADABLE_START_TIME = '"start_time":null';

/**
 * One list item exactly as presentListItem (calcs/presenters.ts) presents it — same keys, same
 * order, same values — written by SQLite from the page query's columns, the absolute
 * /v1/calc/ URL taken from `oq_base`. One difference left to the caller: `abortable`, which
 * depends on a live process, is written `false`, or as the row's pid (a number) when the row is
 * running with one (presenters.ts settleAbortable turns it into true or false).
 */
const ITEM_JSON = `json_object('id', id, 'owner', user_name, 'calculation_mode', calculation_mode, 'status', status, `
  + `'is_running', CASE WHEN is_running THEN json('true') ELSE json('false') END, 'description', description, `
  + `'url', (SELECT url FROM oq_base) || id, 'parent_id', hazard_calculation_id, `
  + `'abortable', CASE WHEN is_running AND pid > 0 THEN pid ELSE json('false') END, `
  + `'size_mb', ${realJson('size_mb')}, 'start_time', ${START_TIME_TEXT})`;

/**
 * The page, presented, as one JSON text made by SQLite (SQLite only): the worker sends it as it
 * is instead of building 1,000 values through the driver's bindings, then 100 objects, then
 * their JSON (docs/performance.md). Also: whether a row carries a pid to check.
 *
 * The items come in the page query's order: the aggregate reads its subquery, which has ORDER
 * BY and LIMIT and so is not flattened, row by row in that order. SQLite does not promise this
 * for aggregates (an ORDER BY inside json_group_array would: it costs a second sort, ~30 µs a
 * page); test/calcs/list-presented.test.ts checks the order for every order_by, both
 * directions and both ways of reading the page, against the page query's own rows.
 */
function presentedPageQuery(p: ListParams, owners: string[] | null, calcUrl: string, access: PageAccess): SqlPart {
  const page = pageQuery(p, owners, access);
  return {
    sql: `WITH oq_base(url) AS (SELECT ?) SELECT json_group_array(${ITEM_JSON}) AS page, `
      + `COALESCE(MAX(is_running AND pid > 0), 0) AS pids FROM (${page.sql})`,
    replacements: [calcUrl, ...page.replacements],
  };
}

/**
 * The page query. Ordered by id with a restricted actor, it takes the newest `offset + limit`
 * jobs of each visible owner and of the shared ones through their indexes, then the page from
 * their union: the cost depends on the page, not on how many jobs the database holds.
 */
function pageQuery(p: ListParams, owners: string[] | null, access: PageAccess = 'probe'): SqlPart {
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
      probes.push(`SELECT id FROM (SELECT id FROM job WHERE user_name = ? AND status != 'deleted'${f.sql} ORDER BY id ${p.orderDir} LIMIT ${k})`);
      replacements.push(owner, ...f.replacements);
    }
    if (p.includeShared) {
      probes.push(`SELECT id FROM (SELECT id FROM job WHERE status = 'shared'${f.sql} ORDER BY id ${p.orderDir} LIMIT ${k})`);
      replacements.push(...f.replacements);
    }
    if (probes.length === 0) {
      return { sql: `SELECT ${LIST_COLUMNS} FROM job WHERE 0`, replacements: [] };
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
 * start_time or asks for the jobs not relevant, which only the job table knows. `relevant=true`
 * (every page of the WebUI) counts from job_count and takes away the visible jobs not relevant,
 * found through the partial index job_not_relevant (usually empty).
 */
function countQuery(p: ListParams, owners: string[] | null): SqlPart {
  const visible = visibleJobs(owners, p.includeShared);
  const counting = p.startTime === undefined && p.relevant !== false;
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
export function listQueries(owners: string[] | null, p: ListParams, access: PageAccess = 'probe'): { page: SqlPart; count: SqlPart } {
  return { page: pageQuery(p, owners, access), count: countQuery(p, owners) };
}

/** One page of the jobs the actor may see, and how many there are in all. */
export async function listPage(db: Pick<CalcModels, 'sequelize'>, actor: Actor, p: ListParams): Promise<{ rows: ListRow[]; total: number }> {
  const owners = await ownersOf(db, actor);
  const { page, count } = listQueries(owners, p);
  const [rows, total] = await Promise.all([
    selectRows<ListRow>(db.sequelize, page.sql, page.replacements),
    selectRows<{ n: number }>(db.sequelize, count.sql, count.replacements),
  ]);
  return { rows, total: Number(total[0]?.n ?? 0) };
}

/** A page presented by SQLite: its JSON text, whether an `abortable` holds a pid to check, and the total. */
export interface PresentedPage {
  json: string;
  pidsToCheck: boolean;
  total: number;
}

/**
 * listPage, presented by SQLite (`calcUrl`: the absolute /v1/calc/ URL), or null when it cannot
 * be (not SQLite; a start time SQLite cannot read): the caller then presents listPage's rows.
 */
export async function listPagePresented(db: Pick<CalcModels, 'sequelize'>, actor: Actor, p: ListParams, calcUrl: string): Promise<PresentedPage | null> {
  if (db.sequelize.getDialect() !== 'sqlite') {
    return null;
  }
  const owners = await ownersOf(db, actor);
  const count = countQuery(p, owners);
  // the count first: how many jobs match decides how the page is read (selectRows is synchronous for SQLite)
  const total = Number((await selectRows<{ n: number }>(db.sequelize, count.sql, count.replacements))[0]?.n ?? 0);
  let access: PageAccess = 'probe';
  if (owners !== null && p.orderBy === 'id') {
    const [all] = await selectRows<{ n: number }>(db.sequelize, 'SELECT COALESCE(SUM(n), 0) AS n FROM job_count', []);
    access = pageAccess(p, total, Number(all?.n ?? 0));
  }
  const page = presentedPageQuery(p, owners, calcUrl, access);
  const [r] = await selectRows<{ page: string; pids: number }>(db.sequelize, page.sql, page.replacements);
  if (r === undefined || r.page.includes(UNREADABLE_START_TIME)) {
    return null;
  }
  return { json: r.page, pidsToCheck: r.pids > 0, total };
}

/** The actor's visible owners, kept with a logged-in actor for its auth epoch (users and memberships: the epoch covers both). */
function ownersOf(db: Pick<CalcModels, 'sequelize'>, actor: Actor): Promise<string[] | null> {
  return derivedFromActor(actor, 'visibleOwners', () => visibleOwners(db, actor));
}
