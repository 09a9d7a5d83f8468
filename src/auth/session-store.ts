/** koa-session's external store: the `sessions` table, read through the worker's cache (src/data/sessions.ts). */
import type { AccountModels } from '../db/models/index.js';
import { deleteExpiredSessions, deleteSession, deleteUserSessions, findSession, saveSession } from '../data/sessions.js';

/** The data we keep in a session (koa-session adds _expire and _maxAge). */
export interface SessionData {
  /** The logged-in user's id. */
  uid?: number;
  [key: string]: unknown;
}

/** The store object koa-session's `store` option takes. */
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

/** The database-backed store. */
export function databaseSessionStore(models: AccountModels): SessionStore {
  return {
    async get(key) {
      const row = await findSession(models, key);
      // frozen and shared: koa-session copies the values into its own Session object
      return row !== null && row.expiresAt > Date.now() ? row.data as SessionData | null : null;
    },
    async set(key, sess, maxAge) {
      await saveSession(models, key, JSON.stringify(sess), Date.now() + maxAge, typeof sess.uid === 'number' ? sess.uid : null);
    },
    async destroy(key) {
      await deleteSession(models, key);
    },
  };
}
