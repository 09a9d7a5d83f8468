/**
 * Slows down password guessing: failed logins are recorded per client IP in the database
 * (so all workers count together); past LOGIN_FAILURE_LIMIT failures within
 * LOGIN_FAILURE_WINDOW seconds, further attempts from that IP get 429 until the oldest
 * failures age out of the window.
 */
import { Op } from 'sequelize';
import type { AccountModels } from '../models/index.js';
import type { Settings } from '../settings/schema.js';

type ThrottleSettings = Pick<Settings, 'LOGIN_FAILURE_LIMIT' | 'LOGIN_FAILURE_WINDOW'>;

/** Seconds the IP must wait before trying again, or 0 when it may try now. */
export async function loginRetryAfter(models: AccountModels, s: ThrottleSettings, ip: string, now = Date.now()): Promise<number> {
  if (s.LOGIN_FAILURE_LIMIT <= 0) {
    return 0;
  }
  const windowMs = s.LOGIN_FAILURE_WINDOW * 1000;
  const rows = await models.LoginFailure.findAll({
    where: { ip, at: { [Op.gt]: now - windowMs } },
    attributes: ['at'],
    order: [['at', 'ASC']],
  });
  if (rows.length < s.LOGIN_FAILURE_LIMIT) {
    return 0;
  }
  // once this failure leaves the window, fewer than LIMIT remain
  const freeing = Number(rows[rows.length - s.LOGIN_FAILURE_LIMIT].at);
  return Math.max(1, Math.ceil((freeing + windowMs - now) / 1000));
}

/** Records one failed login from the IP, and forgets failures older than the window. */
export async function recordLoginFailure(models: AccountModels, s: ThrottleSettings, ip: string, now = Date.now()): Promise<void> {
  if (s.LOGIN_FAILURE_LIMIT <= 0) {
    return;
  }
  await models.LoginFailure.create({ ip, at: now });
  await models.LoginFailure.destroy({ where: { at: { [Op.lt]: now - s.LOGIN_FAILURE_WINDOW * 1000 } } });
}
