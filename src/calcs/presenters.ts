/**
 * The JSON shapes of the original /v1/calc routes. Fields are listed explicitly, so nothing
 * else (pids, folders, runner names) leaks into a response by accident.
 */
import type { ListItem } from './list-item.js';

export type { ListItem } from './list-item.js';

/** A date column as raw SQL returns it (a Date, or SQLite's 'YYYY-MM-DD HH:MM:SS.SSS +00:00'). */
export type DateValue = Date | string | null;

/** Reads a date column. */
export function toDate(v: DateValue): Date | null {
  if (v === null || v === undefined) {
    return null;
  }
  return v instanceof Date ? v : new Date(v);
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `2025-01-31, 14:05:09 UTC`: the list's start_time, as the original writes it. */
export function listTime(v: DateValue): string | null {
  const d = toDate(v);
  if (d === null) {
    return null;
  }
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
}

/** Python's str(datetime): `2025-01-31 14:05:09.123000`, or without the fraction when it is zero. */
export function pythonTime(v: DateValue): string | null {
  const d = toDate(v);
  if (d === null) {
    return null;
  }
  const base = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const ms = d.getUTCMilliseconds();
  return ms === 0 ? base : `${base}.${pad(ms, 3)}000`;
}

/** The log's timestamp: Python's isoformat()[:22] (`2025-01-31T14:05:09.12`, or to the second). */
export function logTime(v: DateValue): string | null {
  const d = toDate(v);
  if (d === null) {
    return null;
  }
  const base = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const ms = d.getUTCMilliseconds();
  return ms === 0 ? base : `${base}.${pad(Math.floor(ms / 10))}`;
}

/** A job row as the list query returns it. */
export interface ListRow {
  id: number;
  user_name: string;
  calculation_mode: string;
  status: string;
  is_running: number | boolean;
  description: string;
  pid: number | null;
  hazard_calculation_id: number | null;
  size_mb: number | null;
  start_time: DateValue;
  relevant: number | boolean;
  /** The job's tags as the list shows them (src/data/tags.ts tagsOfJobs), null without tags. */
  tags?: string | null;
}


/** Whether a pid names a live process (the original's "abortable": running with a live engine). */
function pidAlive(pid: number | null): boolean {
  if (pid === null || pid <= 0) {
    return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Presents a list row; `calcUrl` is the absolute /v1/calc/ URL prefix. */
export function presentListItem(row: ListRow, calcUrl: string): ListItem {
  const running = Boolean(row.is_running);
  return {
    id: row.id,
    owner: row.user_name,
    calculation_mode: row.calculation_mode,
    status: row.status,
    is_running: running,
    description: row.description,
    url: `${calcUrl}${row.id}`,
    parent_id: row.hazard_calculation_id,
    abortable: running && pidAlive(row.pid),
    size_mb: row.size_mb,
    start_time: listTime(row.start_time),
    relevant: Boolean(row.relevant),
    tags: row.tags ?? null,
  };
}

/** Python's str() of an aware UTC datetime: `2025-01-31 14:05:09.123000+00:00` (calc_info's times). */
export function awareTime(v: DateValue): string | null {
  const t = pythonTime(v);
  return t === null ? null : `${t}+00:00`;
}

/** Python's isoformat() to the second: `2025-01-31T14:05:09` (the run's answer). */
export function isoSeconds(v: DateValue): string | null {
  const d = toDate(v);
  return d === null ? null : d.toISOString().slice(0, 19);
}

/** The job columns calc_info and the run's answer show. */
interface JobFields {
  id: number;
  description: string;
  user_name: string;
  calculation_mode: string;
  hazard_calculation_id: number | null;
  status: string;
  is_running: boolean | number;
  start_time: DateValue;
  stop_time: DateValue;
  relevant: boolean | number;
  size_mb: number | null;
  host: string | null;
}

/**
 * /v1/calc/:id, as the original's calc_info: every column of its job table but the server's
 * folder and pid; workflow_id is always null (oq-webui runs no workflows).
 */
export function presentInfo(job: JobFields) {
  return {
    id: job.id,
    description: job.description,
    user_name: job.user_name,
    calculation_mode: job.calculation_mode,
    hazard_calculation_id: job.hazard_calculation_id,
    status: job.status,
    is_running: Boolean(job.is_running),
    start_time: awareTime(job.start_time),
    stop_time: awareTime(job.stop_time),
    relevant: Boolean(job.relevant),
    size_mb: job.size_mb,
    host: job.host,
    workflow_id: null,
  };
}

/**
 * POST /v1/calc/run's answer, as the original's: the new job's record and its `job_id` (what
 * WebExtractor and the QGIS plugin read), without the server's folder (ds_calc_dir).
 */
export function presentCreated(job: JobFields & { pid: number | null }) {
  return {
    description: job.description,
    user_name: job.user_name,
    calculation_mode: job.calculation_mode,
    hazard_calculation_id: job.hazard_calculation_id,
    status: job.status,
    is_running: Boolean(job.is_running),
    start_time: isoSeconds(job.start_time),
    stop_time: isoSeconds(job.stop_time),
    relevant: Boolean(job.relevant),
    pid: job.pid ?? 0,
    size_mb: job.size_mb,
    host: job.host,
    workflow_id: null,
    job_id: job.id,
  };
}

/** One item of /v1/calc/:id/results: its url downloads the first of its types, as the original's. */
export function presentOutput(o: { id: number; display_name: string; ds_key: string; export_types: string; size_mb: number | null }, resultUrl: string) {
  const outtypes = o.export_types === '' ? [] : o.export_types.split(',');
  return {
    id: o.id,
    name: o.display_name,
    type: o.ds_key,
    outtypes,
    url: outtypes.length > 0 ? `${resultUrl}${o.id}?export_type=${encodeURIComponent(outtypes[0])}` : `${resultUrl}${o.id}`,
    size_mb: o.size_mb,
  };
}

/** One log line: [timestamp, level, process, message]. */
export function presentLogLine(l: { timestamp: DateValue; level: string; process: string; message: string }): [string | null, string, string, string] {
  return [logTime(l.timestamp), l.level, l.process, l.message];
}
