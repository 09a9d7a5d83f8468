import { statSync, type Stats } from 'node:fs';
import { fileGone, fileReplaced, type DatabaseUnavailable } from './errors.js';
import { sqlitePath } from './url.js';

/**
 * How often a serving process looks whether its SQLite file is still where it opened it. Its
 * open connections keep reading a file moved away (the list would answer from it while the
 * routes that open files there fail): the look makes every route answer alike, and notices
 * within this delay that the folder came back.
 */
const LOOK_EVERY_MS = 1000;

/**
 * For a SQLite DATABASE opened by this process: a function answering whether the file is
 * still the one opened (null) or what happened to it; null for other databases.
 */
export function watchDatabaseFile(url: string): (() => DatabaseUnavailable | null) | null {
  const file = sqlitePath(url);
  if (file === null) {
    return null;
  }
  const opened = statSync(file);
  let lookedAt = 0;
  let found: DatabaseUnavailable | null = null;
  return function databaseFileProblem() {
    const now = Date.now();
    if (now - lookedAt >= LOOK_EVERY_MS) {
      lookedAt = now;
      found = look(url, file, opened);
    }
    return found;
  };
}

/** What is wrong with `file` now, compared with the file opened. */
function look(url: string, file: string, opened: Stats): DatabaseUnavailable | null {
  let now: Stats;
  try {
    now = statSync(file);
  } catch (err) {
    return fileGone(url, err as NodeJS.ErrnoException);
  }
  return now.ino === opened.ino && now.dev === opened.dev ? null : fileReplaced(url);
}
