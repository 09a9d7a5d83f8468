/**
 * The calculation list's SQL: the caller's visible jobs (the same rule as maySeeCalculation:
 * own, those of users sharing a group, shared ones; all for superusers and LOCKDOWN off),
 * the original's filters, paging and order.
 */
import type { Actor } from '../auth/actor.js';
import { badRequest } from '../errors.js';
import { JOB_STATUSES } from '../models/calcs.js';

/** Page size when `limit` is not given, and the largest accepted. */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

/** Columns `order_by` may name (the list's field names are accepted for owner and parent_id). */
const ORDER_COLUMNS: Record<string, string> = {
  id: 'id',
  user_name: 'user_name',
  owner: 'user_name',
  calculation_mode: 'calculation_mode',
  status: 'status',
  is_running: 'is_running',
  description: 'description',
  start_time: 'start_time',
  stop_time: 'stop_time',
  size_mb: 'size_mb',
  hazard_calculation_id: 'hazard_calculation_id',
  parent_id: 'hazard_calculation_id',
};

/** The list request, validated. */
export interface ListParams {
  calculationMode?: string;
  isRunning?: boolean;
  status?: string;
  startTime?: Date;
  userNameLike?: string;
  includeShared: boolean;
  limit: number;
  offset: number;
  orderBy: string;
  orderDir: 'ASC' | 'DESC';
}

/** A query string value (the last one when repeated). */
type Query = Record<string, string | string[] | undefined>;

function one(q: Query, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** Parses a boolean as the original does (true/false, 1/0, yes/no, on/off); 400 otherwise. */
export function parseBoolean(name: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on', 't', 'y'].includes(v)) {
    return true;
  }
  if (['false', '0', 'no', 'off', 'f', 'n'].includes(v)) {
    return false;
  }
  throw badRequest(`Invalid ${name}: ${JSON.stringify(value)} is not a boolean (true or false)`);
}

function parseCount(name: string, value: string | undefined, dflt: number, min: number): number {
  if (value === undefined || value === '') {
    return dflt;
  }
  if (!/^\d+$/.test(value.trim()) || Number(value) < min) {
    throw badRequest(`Invalid ${name}: ${JSON.stringify(value)} is not an integer >= ${min}`);
  }
  return Number(value);
}

/** Parses `2025-01-31`, `2025-01-31 14:05:09`, `2025-01-31T14:05:09Z`... (no zone: UTC). */
export function parseStartTime(value: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T,]+(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?\s*(?:Z|UTC|[+-]00:?00)?$/i.exec(value.trim());
  if (m !== null) {
    const [y, mo, d, h = '0', mi = '0', s = '0'] = m.slice(1, 7);
    const ms = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
    const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms));
    if (date.getUTCDate() === Number(d) && Number(h) < 24 && Number(mi) < 60 && Number(s) < 61) {
      return date;
    }
  } else {
    const date = new Date(value);
    if (/\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(date.getTime())) {
      return date;
    }
  }
  throw badRequest(`Invalid start_time: ${JSON.stringify(value)} is not a date like 2025-01-31 or 2025-01-31 14:05:09`);
}

/** Validates the list's query string; every bad value is a 400 naming the parameter. */
export function parseListParams(q: Query): ListParams {
  const mode = one(q, 'calculation_mode');
  const running = one(q, 'is_running');
  const status = one(q, 'status');
  const start = one(q, 'start_time');
  const like = one(q, 'user_name_like');
  const shared = one(q, 'include_shared');
  const orderBy = one(q, 'order_by') || 'id';
  const orderDir = (one(q, 'order_dir') || 'DESC').toUpperCase();
  if (!(orderBy in ORDER_COLUMNS)) {
    throw badRequest(`Invalid order_by: ${JSON.stringify(orderBy)} (one of ${Object.keys(ORDER_COLUMNS).join(', ')})`);
  }
  if (orderDir !== 'ASC' && orderDir !== 'DESC') {
    throw badRequest(`Invalid order_dir: ${JSON.stringify(one(q, 'order_dir'))} (ASC or DESC)`);
  }
  if (status !== undefined && status !== '' && !(JOB_STATUSES as readonly string[]).includes(status)) {
    throw badRequest(`Invalid status: ${JSON.stringify(status)} (one of ${JOB_STATUSES.filter((s) => s !== 'deleted').join(', ')})`);
  }
  return {
    calculationMode: mode || undefined,
    isRunning: running === undefined || running === '' ? undefined : parseBoolean('is_running', running),
    status: status || undefined,
    startTime: start === undefined || start === '' ? undefined : parseStartTime(start),
    userNameLike: like || undefined,
    includeShared: shared === undefined || shared === '' ? true : parseBoolean('include_shared', shared),
    limit: Math.min(parseCount('limit', one(q, 'limit'), DEFAULT_LIMIT, 1), MAX_LIMIT),
    offset: parseCount('offset', one(q, 'offset'), 0, 0),
    orderBy: ORDER_COLUMNS[orderBy],
    orderDir,
  };
}

/** SQL text and its positional parameters. */
export interface SqlPart {
  sql: string;
  replacements: unknown[];
}

const marks = (n: number): string => Array.from({ length: n }, () => '?').join(',');

/**
 * The owners whose jobs a restricted actor sees through ownership and groups (the actor and
 * every member of the actor's groups); null for actors who see everything.
 */
export function visibleOwnersQuery(actor: Actor): SqlPart | null {
  if (actor.unrestricted || actor.isSuperuser) {
    return null;
  }
  if (actor.groupIds.length === 0) {
    return { sql: 'SELECT ? AS username', replacements: [actor.username] };
  }
  return {
    sql: `SELECT ? AS username UNION SELECT u.username FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.group_id IN (${marks(actor.groupIds.length)})`,
    replacements: [actor.username, ...actor.groupIds],
  };
}

/**
 * The visible set as a WHERE fragment over `job` (or `job_count`): `owners` from
 * visibleOwnersQuery, null = everyone's. Must agree with maySeeCalculation
 * (test/calcs/list-visibility.test.ts checks it).
 */
export function visibleJobs(owners: string[] | null, includeShared = true): SqlPart {
  if (owners === null) {
    return { sql: "status != 'deleted'", replacements: [] };
  }
  const ors = owners.length > 0 ? [`user_name IN (${marks(owners.length)})`] : [];
  if (includeShared) {
    ors.push("status = 'shared'");
  }
  return { sql: `status != 'deleted' AND (${ors.length > 0 ? ors.join(' OR ') : '0'})`, replacements: [...owners] };
}

/** The filters of a list request; `counting` for the job_count table (which has no start_time). */
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
  return { sql: conds.map((c) => ` AND ${c}`).join(''), replacements };
}

/** The columns the list shows. */
export const LIST_COLUMNS = 'id, user_name, calculation_mode, status, is_running, description, pid, hazard_calculation_id, size_mb, start_time';

/** Above this many visible owners the page is read with one scan instead of one index probe per owner. */
const MAX_PROBES = 200;

/**
 * The page query. Ordered by id with a restricted actor, it takes the newest `offset + limit`
 * jobs of each visible owner and of the shared ones through their indexes, then the page from
 * their union: the cost depends on the page, not on how many jobs the database holds.
 */
function pageQuery(p: ListParams, owners: string[] | null): SqlPart {
  const f = filters(p, false);
  const order = `ORDER BY ${p.orderBy} ${p.orderDir}${p.orderBy === 'id' ? '' : `, id ${p.orderDir}`}`;
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
 * start_time, which only the job table knows.
 */
function countQuery(p: ListParams, owners: string[] | null): SqlPart {
  const visible = visibleJobs(owners, p.includeShared);
  const counting = p.startTime === undefined;
  const f = filters(p, counting);
  const sql = counting
    ? `SELECT COALESCE(SUM(n), 0) AS n FROM job_count WHERE ${visible.sql}${f.sql}`
    : `SELECT COUNT(*) AS n FROM job WHERE ${visible.sql}${f.sql}`;
  return { sql, replacements: [...visible.replacements, ...f.replacements] };
}

/** The page query and the count query of a list request for an actor whose visible owners are `owners`. */
export function listQueries(owners: string[] | null, p: ListParams): { page: SqlPart; count: SqlPart } {
  return { page: pageQuery(p, owners), count: countQuery(p, owners) };
}
