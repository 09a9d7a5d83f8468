/**
 * The `sessions` table (the login sessions' store, src/auth/session-store.ts) and the
 * `auth_epoch` counter that triggers bump when a session, user, group or membership changes
 * (migration 0003; read once per request by src/auth/auth-cache.ts).
 */
import type { Sequelize } from 'sequelize';
import { Op } from 'sequelize';
import type { AccountModels } from '../db/models/index.js';
import { selectRows } from '../db/sqlite.js';

/** A stored session: its JSON text and when it expires (ms since the epoch). */
export interface StoredSession {
  data: string;
  expiresAt: number;
}

/** The session with this id, or null. */
export async function findSession(models: AccountModels, sid: string): Promise<StoredSession | null> {
  const row = await models.SessionRow.findOne({ where: { sid } });
  return row ? { data: row.data, expiresAt: Number(row.expiresAt) } : null;
}

/** Writes (or replaces) a session. */
export async function saveSession(models: AccountModels, sid: string, data: string, expiresAt: number, userId: number | null): Promise<void> {
  await models.SessionRow.upsert({ sid, data, expiresAt, userId });
}

/** Removes one session. */
export async function deleteSession(models: AccountModels, sid: string): Promise<void> {
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

/** The auth epoch: one indexed read of one integer (null when the row is missing). */
export async function readAuthEpoch(sequelize: Sequelize): Promise<number | null> {
  const rows = await selectRows<{ n: number | string }>(sequelize, 'SELECT n FROM auth_epoch WHERE id = 1', []);
  return rows[0] === undefined ? null : Number(rows[0].n);
}
