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

/** The page's order (`id` breaks ties), over the job table or over the page query's own columns named `prefix` + column. */
function orderOf(p: ListParams, prefix = ''): string {
  return `ORDER BY ${prefix}${p.orderBy} ${p.orderDir}${p.orderBy === 'id' ? '' : `, ${prefix}id ${p.orderDir}`}`;
}

/** List columns that may hold a REAL: written with 17 digits (SQLite's JSON writes 15), so each reads back as the same double. */
const REAL_COLUMNS = new Set(['size_mb']);

/** One list row as a JSON object, built by SQLite, with exactly the values and types the driver would give. */
const ROW_JSON = `json_object(${LIST_COLUMNS.split(', ').map((c) => `'${c}', ${REAL_COLUMNS.has(c) ? `CASE WHEN typeof(${c}) = 'real' THEN json(printf('%!.17g', ${c})) ELSE ${c} END` : c}`).join(', ')})`;

/**
 * The page as one JSON text made by SQLite (SQLite only): the driver then hands over one string,
 * which JSON.parse turns into the 100 rows, instead of building 1,000 values one by one through
 * its native bindings (docs/performance.md: the page query's CPU 450-500 -> ~315 µs). The order
 * is given to the aggregate itself (`oq_k_` columns: the page's sort keys).
 */
function pageJsonQuery(p: ListParams, owners: string[] | null): SqlPart {
  const keys = p.orderBy === 'id' ? 'id AS oq_k_id' : `${p.orderBy} AS oq_k_${p.orderBy}, id AS oq_k_id`;
  const page = pageQuery(p, owners, `${LIST_COLUMNS}, ${keys}`);
  return { sql: `SELECT json_group_array(${ROW_JSON} ${orderOf(p, 'oq_k_')}) AS page FROM (${page.sql})`, replacements: page.replacements };
}

/**
 * The page query. Ordered by id with a restricted actor, it takes the newest `offset + limit`
 * jobs of each visible owner and of the shared ones through their indexes, then the page from
 * their union: the cost depends on the page, not on how many jobs the database holds.
 */
function pageQuery(p: ListParams, owners: string[] | null, columns = LIST_COLUMNS): SqlPart {
  const f = filters(p, false);
  const order = orderOf(p);
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
      return { sql: `SELECT ${columns} FROM job WHERE 0`, replacements: [] };
    }
    return {
      sql: `SELECT ${columns} FROM job WHERE id IN (${probes.join(' UNION ALL ')}) ${order} LIMIT ? OFFSET ?`,
      replacements: [...replacements, p.limit, p.offset],
    };
  }
  const visible = visibleJobs(owners, p.includeShared);
  return {
    sql: `SELECT ${columns} FROM job WHERE ${visible.sql}${f.sql} ${order} LIMIT ? OFFSET ?`,
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

/** The page query and the count query of a list request for an actor whose visible owners are `owners`. */
export function listQueries(owners: string[] | null, p: ListParams): { page: SqlPart; count: SqlPart } {
  return { page: pageQuery(p, owners), count: countQuery(p, owners) };
}

/** One page of the jobs the actor may see, and how many there are in all. */
export async function listPage(db: Pick<CalcModels, 'sequelize'>, actor: Actor, p: ListParams): Promise<{ rows: ListRow[]; total: number }> {
  // kept with a logged-in actor for its auth epoch (users and memberships: the epoch covers both)
  const owners = await derivedFromActor(actor, 'visibleOwners', () => visibleOwners(db, actor));
  const { page, count } = listQueries(owners, p);
  const sqlite = db.sequelize.getDialect() === 'sqlite';
  const pageJson = sqlite ? pageJsonQuery(p, owners) : page;
  const [rows, total] = await Promise.all([
    sqlite
      ? selectRows<{ page: string }>(db.sequelize, pageJson.sql, pageJson.replacements).then((r) => JSON.parse(r[0]?.page ?? '[]') as ListRow[])
      : selectRows<ListRow>(db.sequelize, page.sql, page.replacements),
    selectRows<{ n: number }>(db.sequelize, count.sql, count.replacements),
  ]);
  return { rows, total: Number(total[0]?.n ?? 0) };
}
