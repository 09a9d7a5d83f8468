/**
 * The login sessions' store (src/middlewares/session.ts), in the `sessions` table: every worker sees every session,
 * sessions survive worker restarts and reloads, and a destroyed one is gone for good.
 */
import type { Context } from 'koa';
import type { AccountModels } from '../db/models/index.js';
import { deleteExpiredSessions, deleteSession, deleteUserSessions, findSession, saveSession } from '../data/sessions.js';
import { authCacheFor } from './auth-cache.js';

/** The data we keep in a session (the session middleware adds _expire and _maxAge). */
export interface SessionData {
  /** The logged-in user's id. */
  uid?: number;
  [key: string]: unknown;
}

/** The store the session middleware reads and writes (the shape of koa-session's `store` option, which it replaced). */
export interface SessionStore {
  get(key: string, maxAge: number, opts: { rolling: boolean; ctx?: unknown }): Promise<SessionData | null>;
  set(key: string, sess: SessionData, maxAge: number, opts: { rolling: boolean; changed: boolean; ctx?: unknown }): Promise<void>;
  destroy(key: string, opts: { ctx?: unknown }): Promise<void>;
}

/** Rows whose expiry is this far in the past are swept (now and then, at a login). */
export async function pruneExpiredSessions(models: AccountModels, now = Date.now()): Promise<number> {
  return deleteExpiredSessions(models, now);
}

/** Logs a user out everywhere (password changed, account disabled), except maybe one session. */
export async function destroyUserSessions(models: AccountModels, userId: number, exceptSid?: string): Promise<number> {
  return deleteUserSessions(models, userId, exceptSid);
}

/** The database-backed store, read through this worker's AuthCache (src/auth/auth-cache.ts). */
export function databaseSessionStore(models: AccountModels): SessionStore {
  const cache = authCacheFor(models.sequelize);
  return {
    async get(key, _maxAge, opts) {
      const epoch = await cache.current();
      if (opts.ctx) {
        // the actor middleware reads the user at the same epoch
        (opts.ctx as Context).state.authEpoch = epoch;
      }
      let entry = cache.session(key, epoch);
      if (entry === undefined) {
        const row = await findSession(models, key);
        entry = { data: row ? parseData(row.data) : null, expiresAt: row ? row.expiresAt : 0 };
        cache.rememberSession(key, epoch, entry);
      }
      // frozen (parseData): the entry serves later requests; the session middleware copies what it changes
      return entry.data !== null && entry.expiresAt > Date.now() ? entry.data : null;
    },
    async set(key, sess, maxAge) {
      cache.forgetSession(key);
      await saveSession(models, key, JSON.stringify(sess), Date.now() + maxAge, typeof sess.uid === 'number' ? sess.uid : null);
      cache.forgetSession(key);
    },
    async destroy(key) {
      cache.forgetSession(key);
      await deleteSession(models, key);
    },
  };
}

function parseData(text: string): SessionData | null {
  try {
    const data = JSON.parse(text) as unknown;
    return data !== null && typeof data === 'object' ? Object.freeze(data) as SessionData : null;
  } catch {
    return null;
  }
}
