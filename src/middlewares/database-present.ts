import type { Context, Middleware, Next } from 'koa';
import type { ServingDatabase } from '../db/availability.js';
import type { OpenDatabase } from '../db/database.js';

/**
 * Everything that needs the database, behind one gate: refuses every request (503, through the
 * error handler) while the database cannot be used — not opened yet (a worker booted during an
 * outage), or the SQLite file it opened is not where it was (its data folder moved away, the file
 * replaced) — and lets them through again once it can. `build` makes the chain once the database
 * is open: at boot, or at the first request after it comes back.
 */
export function databasePresent(database: ServingDatabase, build: (db: OpenDatabase) => Middleware): Middleware {
  const atBoot = database.openNow();
  let chain: Middleware | null = atBoot === null ? null : build(atBoot);
  return function databaseFilePresent(ctx: Context, next: Next): Promise<unknown> {
    const db = database.openNow();
    if (db !== null && chain !== null) {
      return chain(ctx, next);
    }
    return database.open().then((opened) => {
      chain ??= build(opened);
      return chain(ctx, next);
    });
  };
}
