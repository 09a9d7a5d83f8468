/** Failed logins (the throttle's counts): what auth/throttle.ts reads and writes. */
import { Op, type WhereOptions } from 'sequelize';
import type { AccountModels, LoginFailure } from '../db/models/index.js';

/** Which failures count: those from an IP, or those of one username from an IP. */
export interface FailureKey {
  ip: string;
  username?: string;
}

/** The times (ms) of the `limit` newest failures matching `key` after `since`, newest first. */
export async function newestFailureTimes(models: AccountModels, key: FailureKey, since: number, limit: number): Promise<number[]> {
  const rows = await models.LoginFailure.findAll({
    where: { ...key, at: { [Op.gt]: since } } as WhereOptions<LoginFailure>,
    attributes: ['at'],
    order: [['at', 'DESC']],
    limit,
  });
  return rows.map((r) => Number(r.at));
}

/** Records one failure at `at` (ms). */
export async function insertLoginFailure(models: AccountModels, ip: string, username: string, at: number): Promise<void> {
  await models.LoginFailure.create({ ip, username, at });
}

/** Forgets the failures older than `before` (ms). */
export async function deleteLoginFailuresBefore(models: AccountModels, before: number): Promise<void> {
  await models.LoginFailure.destroy({ where: { at: { [Op.lt]: before } } });
}
