/** The `sessions` table: koa-session's external store (src/auth/session-store.ts) reads and writes it here. */
import type { Sequelize } from 'sequelize';
import { Op } from 'sequelize';
import type { AccountModels } from '../db/models/index.js';
import { freshCache, type FreshCache } from '../db/fresh-cache.js';
import { selectRows } from '../db/query.js';

/** A stored session: its values (parsed from the row's JSON, frozen; null when unreadable) and when it expires (ms since the epoch). */
export interface StoredSession {
  data: Readonly<Record<string, unknown>> | null;
  expiresAt: number;
}

/** Sessions kept per worker (the epoch moves when one ends or changes). */
const MAX_SESSIONS = 10_000;

const caches = new WeakMap<Sequelize, FreshCache<StoredSession | null>>();

function cacheOf(models: AccountModels): FreshCache<StoredSession | null> {
  let c = caches.get(models.sequelize);
  if (c === undefined) {
    c = freshCache(models.sequelize, { max: MAX_SESSIONS });
    caches.set(models.sequelize, c);
  }
  return c;
}

/** The session with this id, or null (kept by the worker while the epoch holds). */
export function findSession(models: AccountModels, sid: string): Promise<StoredSession | null> {
  return cacheOf(models).get(sid, async () => {
    // through query.ts: a statement prepared once (better-sqlite3's reader, PostgreSQL's named statement)
    const [row] = await selectRows<{ data: string; expires_at: number | string }>(models.sequelize, 'SELECT data, expires_at FROM sessions WHERE sid = ?', [sid]);
    return row ? Object.freeze({ data: parseData(row.data), expiresAt: Number(row.expires_at) }) : null;
  });
}

function parseData(text: string): Readonly<Record<string, unknown>> | null {
  try {
    const data = JSON.parse(text) as unknown;
    return data !== null && typeof data === 'object' ? Object.freeze(data as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Writes (or replaces) a session. */
export async function saveSession(models: AccountModels, sid: string, data: string, expiresAt: number, userId: number | null): Promise<void> {
  // a new session does not move the epoch (nobody holds it yet): this worker forgets its "none" itself
  cacheOf(models).forget(sid);
  await models.SessionRow.upsert({ sid, data, expiresAt, userId });
  cacheOf(models).forget(sid);
}

/** Removes one session. */
export async function deleteSession(models: AccountModels, sid: string): Promise<void> {
  cacheOf(models).forget(sid);
  await models.SessionRow.destroy({ where: { sid } });
}

/** Removes the sessions that expired before `now`; how many. */
export function deleteExpiredSessions(models: AccountModels, now: number): Promise<number> {
  return models.SessionRow.destroy({ where: { expiresAt: { [Op.lt]: now } } });
}

/** Removes a user's sessions, except maybe one; how many. */
export function deleteUserSessions(models: AccountModels, userId: number, exceptSid?: string): Promise<number> {
  const where = exceptSid === undefined ? { userId } : { userId, sid: { [Op.ne]: exceptSid } };
  return models.SessionRow.destroy({ where });
}
