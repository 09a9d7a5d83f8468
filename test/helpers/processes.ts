/** Process helpers shared by the tests: liveness, a pid known dead, the children of a running server. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { RunningServer } from './server.js';

/** Whether a process with this pid exists (EPERM: it does, as another user's) and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    // gone between the two looks
    return false;
  }
}

/** A pid that belonged to a process that has exited (for stale pidfiles). */
export async function deadPid(): Promise<number> {
  const p = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  const pid = p.pid as number;
  await new Promise((r) => p.on('exit', r));
  return pid;
}

/** One row of `oq-webui status` for a child. */
export interface ChildRow {
  kind: 'web' | 'runner';
  pid: number;
  state: string;
  generation: number;
  heartbeat: number;
  /** Seconds between its heartbeats, as the child last said (it follows TIMEOUT). */
  heartbeat_period: number;
}

/** The children of a running server, as its master reports them. */
export async function childrenOf(server: RunningServer): Promise<ChildRow[]> {
  return (await server.status()).children as ChildRow[];
}

/** The pid of the server's job runner once it is ready. */
export async function runnerPid(server: RunningServer): Promise<number> {
  const rows = await childrenOf(server);
  return rows.find((c) => c.kind === 'runner' && c.state === 'ready')?.pid ?? 0;
}
