/** Groups and memberships: what the admin routes and the account rules read and write. */
import { UniqueConstraintError } from 'sequelize';
import { selectRows } from '../db/query.js';
import type { AccountModels, Group } from '../db/models/index.js';

/** Thrown when a name is already taken by another group. */
export class DuplicateGroupName extends Error {}

/** The group with this id, or null. */
export function findGroup(models: AccountModels, id: number): Promise<Group | null> {
  return models.Group.findByPk(id);
}

/** The group with this name, or null. */
export function findGroupNamed(models: AccountModels, name: string): Promise<Group | null> {
  return models.Group.findOne({ where: { name } });
}

/** The groups that exist among these names. */
export function groupsNamedIn(models: AccountModels, names: string[]): Promise<Group[]> {
  return names.length === 0 ? Promise.resolve([]) : models.Group.findAll({ where: { name: names } });
}

/** Every group, by name. */
export function allGroups(models: AccountModels): Promise<Group[]> {
  return models.Group.findAll({ order: [['name', 'ASC']] });
}

/** Creates a group; DuplicateGroupName when the name is taken. */
export async function createGroup(models: AccountModels, name: string): Promise<Group> {
  try {
    return await models.Group.create({ name });
  } catch (e) {
    throw e instanceof UniqueConstraintError ? new DuplicateGroupName(name) : e;
  }
}

/** The group with this name, created if missing (two creators at once end with one group). */
export async function createGroupIfMissing(models: AccountModels, name: string): Promise<Group> {
  const found = await findGroupNamed(models, name);
  if (found) {
    return found;
  }
  try {
    return await createGroup(models, name);
  } catch (e) {
    const again = e instanceof DuplicateGroupName ? await findGroupNamed(models, name) : null;
    if (again) {
      return again;
    }
    throw e;
  }
}

/** Renames a group; DuplicateGroupName when the name is taken. */
export async function renameGroup(models: AccountModels, group: Group, name: string): Promise<void> {
  try {
    await models.Group.update({ name }, { where: { id: group.id } });
  } catch (e) {
    throw e instanceof UniqueConstraintError ? new DuplicateGroupName(name) : e;
  }
  await group.reload();
}

/** Deletes a group (its memberships go with it). */
export async function deleteGroup(models: AccountModels, groupId: number): Promise<void> {
  await models.Group.destroy({ where: { id: groupId } });
}

/** Members ({id, username}) of each group id (all groups when `groupIds` is not given; one query). */
export async function membersByGroup(models: AccountModels, groupIds?: number[]): Promise<Map<number, Array<{ id: number; username: string }>>> {
  const where = groupIds ? `WHERE m.group_id IN (${groupIds.map(() => '?').join(',') || 'NULL'})` : '';
  const rows = await selectRows<{ group_id: number; id: number; username: string }>(models.sequelize,
    `SELECT m.group_id, u.id, u.username FROM memberships m JOIN users u ON u.id = m.user_id ${where} ORDER BY u.username`, groupIds ?? []);
  const out = new Map<number, Array<{ id: number; username: string }>>();
  for (const r of rows) {
    const gid = Number(r.group_id);
    out.set(gid, [...(out.get(gid) ?? []), { id: Number(r.id), username: r.username }]);
  }
  return out;
}

/**
 * Adds memberships, ignoring those that exist. One INSERT OR IGNORE, not findOrCreate: that
 * opens a transaction on a second SQLite connection, which waits less for the lock.
 */
export async function addMemberships(models: AccountModels, userId: number, groupIds: number[]): Promise<void> {
  if (groupIds.length > 0) {
    await models.Membership.bulkCreate(groupIds.map((groupId) => ({ userId, groupId })), { ignoreDuplicates: true });
  }
}

/** Removes a user from a group. */
export async function removeMembership(models: AccountModels, userId: number, groupId: number): Promise<void> {
  await models.Membership.destroy({ where: { userId, groupId } });
}

/** Makes the memberships of a user exactly these groups (PAM_MAP_UNIX_GROUPS). */
export async function setMemberships(models: AccountModels, userId: number, groupIds: number[]): Promise<void> {
  const current = (await models.Membership.findAll({ where: { userId } })).map((m) => m.groupId);
  for (const gid of current.filter((g) => !groupIds.includes(g))) {
    await removeMembership(models, userId, gid);
  }
  await addMemberships(models, userId, groupIds.filter((g) => !current.includes(g)));
}
