import { statSync, type Stats } from 'node:fs';
import { openAppDatabase, type OpenDatabase } from './database.js';
import { classifyDatabaseError, DatabaseUnavailable, fileGone, fileReplaced } from './errors.js';
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

/**
 * The database a worker serves from. Opened at boot; when it cannot be used then and the server
 * already serves (a worker replaced during an outage: not broken code, so no boot failure), the
 * worker boots without it and the first request after it can be used opens it (looked for at
 * most once a LOOK_EVERY_MS; requests meanwhile get the DatabaseUnavailable that says why).
 */
export class ServingDatabase {
  private db: OpenDatabase | null = null;
  private watch: (() => DatabaseUnavailable | null) | null = null;
  private problem: DatabaseUnavailable | null = null;
  private lookedAt = 0;
  private opening: Promise<void> | null = null;

  constructor(private readonly url: string) {}

  /**
   * Opens the database; a failure is thrown (the worker fails to boot) unless `wait` and the
   * failure means the database cannot be used: then it is returned and kept as the answer.
   */
  async boot(wait: boolean): Promise<DatabaseUnavailable | null> {
    try {
      this.opened(await openAppDatabase(this.url));
      return null;
    } catch (err) {
      const unavailable = classifyDatabaseError(err, this.url);
      if (!wait || unavailable === null) {
        throw err;
      }
      this.problem = unavailable;
      this.lookedAt = Date.now();
      return unavailable;
    }
  }

  /** The database if open and still the file opened; null if not open yet; throws when its file is gone or replaced. */
  openNow(): OpenDatabase | null {
    if (this.db === null) {
      return null;
    }
    const gone = this.watch?.() ?? null;
    if (gone !== null) {
      throw gone;
    }
    return this.db;
  }

  /** Opens it if it can now be used; else throws why not. */
  async open(): Promise<OpenDatabase> {
    if (this.db === null && this.opening === null && Date.now() - this.lookedAt >= LOOK_EVERY_MS) {
      this.lookedAt = Date.now();
      this.opening = this.tryOpen().finally(() => {
        this.opening = null;
      });
    }
    await this.opening;
    const db = this.openNow();
    if (db === null) {
      throw this.problem as DatabaseUnavailable;
    }
    return db;
  }

  private async tryOpen(): Promise<void> {
    try {
      this.opened(await openAppDatabase(this.url));
    } catch (err) {
      // pending migrations (a backup of an older release put back) cannot stop a serving worker either
      this.problem = classifyDatabaseError(err, this.url)
        ?? new DatabaseUnavailable(`${(err as Error).message}; requests that need the database answer 503 until then`, { cause: err });
    }
  }

  private opened(db: OpenDatabase): void {
    this.db = db;
    this.watch = watchDatabaseFile(this.url);
    this.problem = null;
  }
}
