/** Read-side queries on users and groups: who an actor is, who shares a group with whom. */
import { QueryTypes, type Sequelize } from 'sequelize';
import type { AccountModels, User } from '../models/index.js';
import type { Actor } from './actor.js';

/** Ids of the groups a user belongs to, ascending. */
export async function groupIdsOf(models: AccountModels, userId: number): Promise<number[]> {
  const rows = await models.Membership.findAll({ where: { userId }, attributes: ['groupId'], order: [['groupId', 'ASC']] });
  return rows.map((r) => r.groupId);
}

/** The Actor of a logged-in user. */
export async function actorOfUser(models: AccountModels, user: User): Promise<Actor> {
  return {
    id: user.id,
    username: user.username,
    isSuperuser: user.isSuperuser,
    isStaff: user.isStaff,
    groupIds: await groupIdsOf(models, user.id),
    unrestricted: false,
  };
}

/** The Actor of every caller when LOCKDOWN is off: the default user, allowed everything. */
export function unrestrictedActor(username: string): Actor {
  return { id: null, username, isSuperuser: false, isStaff: false, groupIds: [], unrestricted: true };
}

/** Ids of the groups of the user with this name ([] when unknown): CalcFacts.ownerGroupIds. */
export async function groupIdsOfUsername(sequelize: Sequelize, username: string): Promise<number[]> {
  const rows = await sequelize.query<{ group_id: number }>(
    'SELECT m.group_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.username = ? ORDER BY m.group_id',
    { replacements: [username], type: QueryTypes.SELECT },
  );
  return rows.map((r) => Number(r.group_id));
}

/** Names of the users who belong to at least one of these groups (for filtering lists). */
export async function usernamesInGroups(sequelize: Sequelize, groupIds: readonly number[]): Promise<string[]> {
  if (groupIds.length === 0) {
    return [];
  }
  const rows = await sequelize.query<{ username: string }>(
    `SELECT DISTINCT u.username FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.group_id IN (${groupIds.map(() => '?').join(',')}) ORDER BY u.username`,
    { replacements: [...groupIds], type: QueryTypes.SELECT },
  );
  return rows.map((r) => r.username);
}

/** Names of the users whose calculations the actor sees through groups (the actor included). */
export async function usernamesSharingAGroupWith(sequelize: Sequelize, actor: Actor): Promise<string[]> {
  const names = new Set(await usernamesInGroups(sequelize, actor.groupIds));
  names.add(actor.username);
  return [...names].sort();
}
