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
  };
}

/** /v1/calc/:id, as the original's calc_info. */
export function presentInfo(job: { user_name: string; status: string; start_time: DateValue; stop_time: DateValue; is_running: boolean | number }) {
  return {
    user_name: job.user_name,
    status: job.status,
    start_time: pythonTime(job.start_time),
    stop_time: pythonTime(job.stop_time),
    is_running: Boolean(job.is_running),
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
