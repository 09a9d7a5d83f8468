import { logMessage } from './escape.js';

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `2025-01-31 14:05:09 +0000`, the timestamp of gunicorn's error log (UTC). */
export function serverTimestamp(d = new Date()): string {
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** Formats one server-log line as gunicorn does: `[time] [pid] [LEVEL] message` (the message escaped: src/logging/escape.ts). */
export function serverLine(level: string, message: string, pid: number, time = new Date()): string {
  return `[${serverTimestamp(time)}] [${pid}] [${level.toUpperCase()}] ${logMessage(message)}`;
}
