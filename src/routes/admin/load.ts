import { QueryTypes } from 'sequelize';
import { badRequest, notFound } from '../../errors.js';
import type { AccountModels, Group, User } from '../../models/index.js';

/** A positive integer id from the path, or 404. */
export function idParam(raw: string | undefined): number {
  return raw && /^[1-9]\d{0,9}$/.test(raw) ? Number(raw) : -1;
}

/** The user with this id, or 404. */
export async function loadUser(models: AccountModels, raw: string | undefined): Promise<User> {
  const user = await models.User.findByPk(idParam(raw));
  if (!user) {
    throw notFound(`User ${raw} does not exist.`);
  }
  return user;
}

/** The group with this id, or 404. */
export async function loadGroup(models: AccountModels, raw: string | undefined): Promise<Group> {
  const group = await models.Group.findByPk(idParam(raw));
  if (!group) {
    throw notFound(`Group ${raw} does not exist.`);
  }
  return group;
}

/** Group names of each user id (one query). */
export async function groupNamesByUser(models: AccountModels, userIds?: number[]): Promise<Map<number, string[]>> {
  const where = userIds ? `WHERE m.user_id IN (${userIds.map(() => '?').join(',') || 'NULL'})` : '';
  const rows = await models.sequelize.query<{ user_id: number; name: string }>(
    `SELECT m.user_id, g.name FROM memberships m JOIN groups g ON g.id = m.group_id ${where} ORDER BY g.name`,
    { replacements: userIds ?? [], type: QueryTypes.SELECT },
  );
  const out = new Map<number, string[]>();
  for (const r of rows) {
    const id = Number(r.user_id);
    out.set(id, [...(out.get(id) ?? []), r.name]);
  }
  return out;
}

/** Members ({id, username}) of each group id (one query). */
export async function membersByGroup(models: AccountModels, groupIds?: number[]): Promise<Map<number, Array<{ id: number; username: string }>>> {
  const where = groupIds ? `WHERE m.group_id IN (${groupIds.map(() => '?').join(',') || 'NULL'})` : '';
  const rows = await models.sequelize.query<{ group_id: number; id: number; username: string }>(
    `SELECT m.group_id, u.id, u.username FROM memberships m JOIN users u ON u.id = m.user_id ${where} ORDER BY u.username`,
    { replacements: groupIds ?? [], type: QueryTypes.SELECT },
  );
  const out = new Map<number, Array<{ id: number; username: string }>>();
  for (const r of rows) {
    const gid = Number(r.group_id);
    out.set(gid, [...(out.get(gid) ?? []), { id: Number(r.id), username: r.username }]);
  }
  return out;
}

/** An optional boolean field; 400 when present but not a boolean. */
export function optionalBool(body: Record<string, unknown>, name: string): boolean | undefined {
  const v = body[name];
  if (v === undefined) {
    return undefined;
  }
  if (typeof v !== 'boolean') {
    throw badRequest(`${name} must be true or false`);
  }
  return v;
}

/** An optional string field; 400 when present but not a string. */
export function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (v === undefined) {
    return undefined;
  }
  if (typeof v !== 'string') {
    throw badRequest(`${name} must be a string`);
  }
  return v;
}
