/**
 * koa-session's external store, in the `sessions` table: every worker sees every session,
 * sessions survive worker restarts and reloads, and a destroyed one is gone for good.
 */
import { Op } from 'sequelize';
import type { AccountModels } from '../models/index.js';

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
  return models.SessionRow.destroy({ where: { expiresAt: { [Op.lt]: now } } });
}

/** Logs a user out everywhere (password changed, account disabled), except maybe one session. */
export async function destroyUserSessions(models: AccountModels, userId: number, exceptSid?: string): Promise<number> {
  const where = exceptSid === undefined ? { userId } : { userId, sid: { [Op.ne]: exceptSid } };
  return models.SessionRow.destroy({ where });
}

/** The database-backed store. */
export function databaseSessionStore(models: AccountModels): SessionStore {
  return {
    async get(key) {
      const row = await models.SessionRow.findOne({ where: { sid: key, expiresAt: { [Op.gt]: Date.now() } } });
      if (!row) {
        return null;
      }
      try {
        return JSON.parse(row.data) as SessionData;
      } catch {
        return null;
      }
    },
    async set(key, sess, maxAge) {
      await models.SessionRow.upsert({
        sid: key,
        data: JSON.stringify(sess),
        expiresAt: Date.now() + maxAge,
        userId: typeof sess.uid === 'number' ? sess.uid : null,
      });
    },
    async destroy(key) {
      await models.SessionRow.destroy({ where: { sid: key } });
    },
  };
}
