import type { Context, Next } from 'koa';
import { watchDatabaseFile } from '../db/availability.js';

/**
 * Refuses every request (503, through the error handler) while the SQLite file this worker
 * opened is not where it was (its data folder moved away, the file replaced), and lets them
 * through again once it is back. Other databases: nothing to look at.
 */
export function databasePresent(databaseUrl: string) {
  const problem = watchDatabaseFile(databaseUrl);
  return function databaseFilePresent(_ctx: Context, next: Next): Promise<unknown> {
    const found = problem?.() ?? null;
    if (found !== null) {
      throw found;
    }
    return next();
  };
}
