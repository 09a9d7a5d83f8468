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

/** SQL text and its positional replacements. */
export interface SqlPart {
  sql: string;
  replacements: unknown[];
}

/**
 * The visible set of an actor as a WHERE fragment over `job`. Must agree with
 * maySeeCalculation (see test/calcs/list-visibility.test.ts).
 */
export function visibleJobs(actor: Actor, includeShared = true): SqlPart {
  if (actor.unrestricted || actor.isSuperuser) {
    return { sql: "status != 'deleted'", replacements: [] };
  }
  const ors = ['user_name = ?'];
  const replacements: unknown[] = [actor.username];
  if (includeShared) {
    ors.push("status = 'shared'");
  }
  if (actor.groupIds.length > 0) {
    ors.push(`user_name IN (SELECT u.username FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.group_id IN (${actor.groupIds.map(() => '?').join(',')}))`);
    replacements.push(...actor.groupIds);
  }
  return { sql: `status != 'deleted' AND (${ors.join(' OR ')})`, replacements };
}

/** The WHERE clause of a list request (visibility and filters). */
export function listWhere(actor: Actor, p: ListParams): SqlPart {
  const visible = visibleJobs(actor, p.includeShared);
  const conds = [visible.sql];
  const replacements = [...visible.replacements];
  const add = (sql: string, ...values: unknown[]): void => {
    conds.push(sql);
    replacements.push(...values);
  };
  if (p.calculationMode !== undefined) {
    add('calculation_mode = ?', p.calculationMode);
  }
  if (p.isRunning !== undefined) {
    add('is_running = ?', p.isRunning ? 1 : 0);
  }
  if (p.status !== undefined) {
    add('status = ?', p.status);
  }
  if (p.startTime !== undefined) {
    add('start_time >= ?', p.startTime);
  }
  if (p.userNameLike !== undefined) {
    add('user_name LIKE ?', p.userNameLike);
  }
  return { sql: conds.join(' AND '), replacements };
}

/** The columns the list shows. */
export const LIST_COLUMNS = 'id, user_name, calculation_mode, status, is_running, description, pid, hazard_calculation_id, size_mb, start_time';

/** The page query and the count query of a list request. */
export function listQueries(actor: Actor, p: ListParams): { page: SqlPart; count: SqlPart } {
  const where = listWhere(actor, p);
  const tieBreak = p.orderBy === 'id' ? '' : `, id ${p.orderDir}`;
  return {
    page: {
      sql: `SELECT ${LIST_COLUMNS} FROM job WHERE ${where.sql} ORDER BY ${p.orderBy} ${p.orderDir}${tieBreak} LIMIT ? OFFSET ?`,
      replacements: [...where.replacements, p.limit, p.offset],
    },
    count: { sql: `SELECT COUNT(*) AS n FROM job WHERE ${where.sql}`, replacements: where.replacements },
  };
}
