import { oneLine } from './escape.js';

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Python logging's asctime, `2025-01-31 14:05:09,123`, in local time as the original writes it. */
export function asctime(d = new Date()): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`;
}

/** One line of webui-access.log: `%(asctime)s - %(name)s - %(levelname)s - %(message)s` (the message kept on its line). */
export function webuiAccessLine(level: 'INFO' | 'WARNING', message: string, time = new Date()): string {
  return `${asctime(time)} - openquake.server.signals - ${level} - ${oneLine(message)}\n`;
}
