/**
 * Whether anything was committed to a SQLite database (in WAL mode) since the last look, for
 * about a microsecond: the WAL-index header at the start of the `-shm` file holds a counter
 * that every committed transaction moves (`iChange`, with the frame count and checksums), in
 * two copies (https://www.sqlite.org/walformat.html, "The WAL-Index Header"). Readers never
 * write those 96 bytes, so identical bytes mean: no process committed anything in between.
 *
 * Used only as a shortcut in front of a real query (src/auth/auth-cache.ts): when the bytes
 * differ — a commit, a torn read during one, a checkpoint that restarted the log, the file
 * replaced — the caller asks the database. It cannot serve other databases (PostgreSQL): the
 * caller then always asks.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Bytes compared: both copies of the WAL-index header. */
const HEADER = 96;

/**
 * How often the open `-shm` file is checked for having been deleted (fstat: measured at 7% of a
 * logged-in request's CPU when done on every read). SQLite deletes it only when the last
 * connection to the database closes, and the process watching holds its own connection open
 * while it serves, so this is a safety net, not the path a change takes.
 */
const REPLACED_CHECK_MS = 1000;

/** A watcher of one database file's commits. */
export interface CommitWatch {
  /** True when nothing was committed since the previous call that returned a mark; false when unsure. */
  unchangedSince(mark: Buffer | null): boolean;
  /** The header as it is now (read before the query whose answer it vouches for), or null when unreadable. */
  mark(): Buffer | null;
}

/** A watcher of the `-shm` file of the SQLite database `file`. */
export function watchCommits(file: string): CommitWatch {
  const shm = `${file}-shm`;
  let fd: number | null = null;
  /** Set when the file was replaced since the last read: whatever it says, something changed. */
  let replaced = false;
  let checkedAt = 0;
  const now = Buffer.alloc(HEADER);
  const open = (): number | null => {
    try {
      fd = openSync(shm, 'r');
    } catch {
      fd = null;
    }
    return fd;
  };
  const read = (checkNow: boolean): boolean => {
    let f = fd ?? open();
    if (f === null) {
      return false;
    }
    try {
      // the last connection to close deletes the file; a later one makes a new file
      const t = Date.now();
      const check = checkNow || t - checkedAt >= REPLACED_CHECK_MS;
      if (check) {
        checkedAt = t;
      }
      if (check && fstatSync(f).nlink === 0) {
        closeSync(f);
        fd = null;
        replaced = true;
        f = open();
        if (f === null) {
          return false;
        }
      }
      return readSync(f, now, 0, HEADER, 0) === HEADER;
    } catch {
      return false;
    }
  };
  return {
    mark() {
      replaced = false;
      // before a query: always checked, so a mark never comes from a deleted file
      return read(true) && !replaced ? Buffer.from(now) : null;
    },
    unchangedSince(mark) {
      replaced = false;
      return mark !== null && read(false) && !replaced && now.equals(mark);
    },
  };
}
