import { readFileSync, renameSync, unlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { START_ERROR } from '../src/ipc/protocol.js';
import { HaltServer } from './errors.js';

/** Whether a process with this pid exists (EPERM: it does, as another user's). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads the pid a pidfile holds, or null when missing or unreadable. */
export function readPid(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** gunicorn's pidfile: refuse a live pid, replace a stale file, remove only our own at exit. */
export class Pidfile {
  constructor(readonly path: string) {}

  /** Writes our pid atomically, refusing when the file names a live process other than us. */
  create(pid: number): void {
    const old = readPid(this.path);
    if (old !== null && old !== pid && pidAlive(old)) {
      throw new HaltServer(`Already running on PID ${old} (or pid file '${this.path}' is stale)`, START_ERROR);
    }
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${pid}.tmp`;
    writeFileSync(tmp, `${pid}\n`, { mode: 0o644 });
    renameSync(tmp, this.path);
  }

  /** Removes the file if it still holds our pid. */
  unlink(pid: number): void {
    if (readPid(this.path) === pid) {
      try {
        unlinkSync(this.path);
      } catch {
        // already gone: nothing to do
      }
    }
  }
}
