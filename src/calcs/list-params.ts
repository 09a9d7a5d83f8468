/**
 * The query string of /v1/calc/list, validated (src/validation): the original's filters,
 * paging and order. Every bad value is a 400 naming the parameter; numbers are bounded so that
 * nothing out of range reaches SQLite (issue 12.4).
 */
import { boundedInt, userText, validate, z } from '../validation/validate.js';
import { JOB_STATUSES } from '../db/models/calcs.js';

/** Page size when `limit` is not given, and the largest page (a larger limit gives this many). */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;
/** The largest offset accepted (far beyond any real job table; keeps offset + limit exact). */
export const MAX_OFFSET = 1_000_000_000;

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
  /** `relevant=true` leaves out the jobs marked not relevant (the original's pages ask for it). */
  relevant?: boolean;
  /** Only the jobs preferred for some tag (`preferred_only=1`). */
  preferredOnly: boolean;
  /** Only the jobs with this tag (`filter_by_tag=<name>`; `0` means no filter, as in the original). */
  filterByTag?: string;
  includeShared: boolean;
  limit: number;
  offset: number;
  /** A column name (one of ORDER_COLUMNS' values). */
  orderBy: string;
  orderDir: 'ASC' | 'DESC';
}

const TRUE = ['true', '1', 'yes', 'on', 't', 'y'];
const FALSE = ['false', '0', 'no', 'off', 'f', 'n'];

/** A boolean as the original reads it (true/false, 1/0, yes/no, on/off). */
const booleanText = z.string().transform((s, ctx) => {
  const v = s.trim().toLowerCase();
  if (TRUE.includes(v) || FALSE.includes(v)) {
    return TRUE.includes(v);
  }
  ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${JSON.stringify(s)} is not a boolean (true or false)` });
  return z.NEVER;
});

/** Parses `2025-01-31`, `2025-01-31 14:05:09`, `2025-01-31T14:05:09Z`... (no zone: UTC); null when it is not a date. */
function readStartTime(value: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T,]+(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?\s*(?:Z|UTC|[+-]00:?00)?$/i.exec(value.trim());
  if (m !== null) {
    const [y, mo, d, h = '0', mi = '0', s = '0'] = m.slice(1, 7);
    const ms = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
    const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms));
    if (date.getUTCDate() === Number(d) && Number(h) < 24 && Number(mi) < 60 && Number(s) < 61) {
      return date;
    }
    return null;
  }
  const date = new Date(value);
  return /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(date.getTime()) ? date : null;
}

const startTimeText = z.string().max(64, 'at most 64 characters').transform((s, ctx) => {
  const d = readStartTime(s);
  if (d === null) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${JSON.stringify(s)} is not a date like 2025-01-31 or 2025-01-31 14:05:09` });
    return z.NEVER;
  }
  return d;
});

const LISTED_STATUSES = JOB_STATUSES.filter((s) => s !== 'deleted');

/** Each parameter's schema (given as text; absent or empty means the default). */
const PARAMS = {
  calculation_mode: userText(100),
  is_running: booleanText,
  status: z.string().refine((s) => (JOB_STATUSES as readonly string[]).includes(s), (s) => ({ message: `${JSON.stringify(s)} (one of ${LISTED_STATUSES.join(', ')})` })),
  start_time: startTimeText,
  user_name_like: userText(300),
  include_shared: booleanText,
  relevant: booleanText,
  preferred_only: booleanText,
  filter_by_tag: userText(255),
  limit: boundedInt(1, Number.MAX_SAFE_INTEGER).transform((n) => Math.min(n, MAX_LIMIT)),
  offset: boundedInt(0, MAX_OFFSET),
  order_by: z.string().refine((s) => Object.hasOwn(ORDER_COLUMNS, s), (s) => ({ message: `${JSON.stringify(s)} (one of ${Object.keys(ORDER_COLUMNS).join(', ')})` }))
    .transform((s) => ORDER_COLUMNS[s]),
  order_dir: z.string().transform((s) => s.toUpperCase()).refine((s): s is 'ASC' | 'DESC' => s === 'ASC' || s === 'DESC', 'ASC or DESC'),
};

/** A query string value (the last one when repeated). */
type Query = Record<string, string | string[] | undefined>;

/** One parameter: undefined when absent or empty, else its schema's value (400 "Invalid <name>: ..." otherwise). */
function param<K extends keyof typeof PARAMS>(q: Query, name: K): z.infer<(typeof PARAMS)[K]> | undefined {
  const raw = q[name];
  const v = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  return v === undefined || v === '' ? undefined : validate(PARAMS[name], v, name);
}

/** Query strings whose parameters are remembered (clients poll the same few). */
const MAX_REMEMBERED = 500;
const remembered = new Map<string, Readonly<ListParams>>();

/**
 * parseListParams for a request's raw query string, remembered per string (a frozen result):
 * the WebUI and scripts poll the list with the same few query strings. Refused ones (400)
 * are not remembered.
 */
export function listParamsOf(querystring: string, query: () => Query): Readonly<ListParams> {
  let p = remembered.get(querystring);
  if (p === undefined) {
    p = Object.freeze(parseListParams(query()));
    if (remembered.size >= MAX_REMEMBERED) {
      remembered.clear();
    }
    remembered.set(querystring, p);
  }
  return p;
}

/** `filter_by_tag`: `0` is the original's "no filter". */
function tagFilter(v: string | undefined): string | undefined {
  return v === '0' ? undefined : v;
}

/** Validates the list's query string; every bad value is a 400 naming the parameter. */
export function parseListParams(q: Query): ListParams {
  return {
    calculationMode: param(q, 'calculation_mode'),
    isRunning: param(q, 'is_running'),
    status: param(q, 'status'),
    startTime: param(q, 'start_time'),
    userNameLike: param(q, 'user_name_like'),
    relevant: param(q, 'relevant'),
    preferredOnly: param(q, 'preferred_only') ?? false,
    filterByTag: tagFilter(param(q, 'filter_by_tag')),
    includeShared: param(q, 'include_shared') ?? true,
    limit: param(q, 'limit') ?? DEFAULT_LIMIT,
    offset: param(q, 'offset') ?? 0,
    orderBy: param(q, 'order_by') ?? 'id',
    orderDir: param(q, 'order_dir') ?? 'DESC',
  };
}

/** Reads a start_time value (400 "Invalid start_time: ..." when it is not a date). */
export function parseStartTime(value: string): Date {
  return validate(startTimeText, value, 'start_time');
}
