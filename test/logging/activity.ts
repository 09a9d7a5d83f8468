/** What the logging fault tests do to a server to make lines in every log file, and how they read the files back. */
import { existsSync, readFileSync } from 'node:fs';
import type { RunningServer } from '../helpers/server.js';
import { waitFor } from '../helpers/server.js';

/** A line of the server log: `[2025-01-31 14:05:09 +0000] [pid] [LEVEL] message`. */
export const SERVER_LINE = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000\] \[\d+\] \[[A-Z]+\] ./;
/** A line of access.log (gunicorn's format plus the response time). */
export const ACCESS_LINE = /^\S+ - \S+ \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] ".*" \d{3} (\d+|-) ".*" ".*" \d+\.\d{3}ms$/;
/** A line of webui-access.log (the original's, which Fail2Ban's filter reads). */
export const WEBUI_ACCESS_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - openquake\.server\.signals - (INFO|WARNING) - User ".*" \(IP: [^)]+\) .+$/;

/** The lines of a file (none if it does not exist). */
export function readLines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : [];
}

/** A log file the master cannot write, as `oq-webui status --json` reports it. */
export interface LogProblem {
  file: string;
  code: string;
  since: string;
  kept: number;
  lost: number;
}

/** The log files the running master cannot write now. */
export async function logProblems(server: RunningServer): Promise<LogProblem[]> {
  return ((await server.status()) as unknown as { logs?: LogProblem[] }).logs ?? [];
}

/**
 * Lines for every file: three failed logins `<tag>-0..2` (webui-access.log), ten requests
 * `/v1/engine_version?<tag>-0..9` (access.log), a USR1 (the master and every worker write to
 * the server log, and the master reopens access.log and webui-access.log). Resolves with the
 * HTTP statuses, once the master has handled the signal.
 */
export async function logActivity(server: RunningServer, tag: string): Promise<{ statuses: number[] }> {
  const statuses: number[] = [];
  const answer = async (res: Promise<Response>): Promise<void> => {
    try {
      const r = await res;
      await r.arrayBuffer();
      statuses.push(r.status);
    } catch {
      statuses.push(0);
    }
  };
  for (let i = 0; i < 3; i += 1) {
    await answer(server.fetch('/accounts/ajax_login/', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: `${tag}-${i}`, password: 'not-the-password' }).toString(),
    }));
  }
  for (let i = 0; i < 10; i += 1) {
    await answer(server.fetch(`/v1/engine_version?${tag}-${i}`));
  }
  const handled = (): number => server.output().split('Handling signal: usr1').length;
  const before = handled();
  server.signal('SIGUSR1');
  await waitFor(() => handled() > before, 10_000, 'the master to handle USR1');
  return { statuses };
}
