/**
 * Users: the reads and writes on the `users` table and memberships that the routes and the
 * account rules need. The account rules themselves (validation, hashing) are in auth/accounts.ts.
 */
import { UniqueConstraintError, type Sequelize } from 'sequelize';
import { changeRows, selectRows } from '../db/query.js';
import { freshCache, type FreshCache } from '../db/fresh-cache.js';
import type { AccountModels, AccountSource, User } from '../db/models/index.js';

/** What a request needs to know of its logged-in user: the row's rights and the user's groups. */
export interface UserFacts {
  id: number;
  username: string;
  isSuperuser: boolean;
  isStaff: boolean;
  groupIds: readonly number[];
  /** The original's user level (0 view only, 1 simplified, 2 advanced). */
  level: number;
}

/** Users kept per worker (the epoch moves when a user, group or membership changes). */
const MAX_USERS = 10_000;

const factsCaches = new WeakMap<Sequelize, FreshCache<Readonly<UserFacts> | null>>();

/** The active user with this id and their groups, frozen (null: gone or inactive); kept by the worker while the epoch holds. */
export function activeUserFacts(models: AccountModels, id: number): Promise<Readonly<UserFacts> | null> {
  let cache = factsCaches.get(models.sequelize);
  if (cache === undefined) {
    cache = freshCache(models.sequelize, { max: MAX_USERS });
    factsCaches.set(models.sequelize, cache);
  }
  return cache.get(String(id), async () => {
    const user = await models.User.findByPk(id);
    if (!user || !user.isActive) {
      return null;
    }
    const groupIds = Object.freeze(await groupIdsOf(models, user.id));
    return Object.freeze({ id: user.id, username: user.username, isSuperuser: user.isSuperuser, isStaff: user.isStaff, groupIds, level: user.level });
  });
}

/** The user with this id, or null. */
export function findUser(models: AccountModels, id: number): Promise<User | null> {
  return models.User.findByPk(id);
}

/** The user with this name, or null. */
export function findUserNamed(models: AccountModels, username: string): Promise<User | null> {
  return models.User.findOne({ where: { username } });
}

/** Reads a user's row again (after changes made by other statements). */
export async function reloadUser(user: User): Promise<void> {
  await user.reload();
}

/** Every user, by name. */
export function allUsers(models: AccountModels): Promise<User[]> {
  return models.User.findAll({ order: [['username', 'ASC']] });
}

/** Ids of the groups a user belongs to, ascending. */
export async function groupIdsOf(models: AccountModels, userId: number): Promise<number[]> {
  const rows = await models.Membership.findAll({ where: { userId }, attributes: ['groupId'], order: [['groupId', 'ASC']] });
  return rows.map((r) => r.groupId);
}

/** Ids of the groups of the user with this name ([] when unknown): CalcFacts.ownerGroupIds. */
export async function groupIdsOfUsername(sequelize: Sequelize, username: string): Promise<number[]> {
  const rows = await selectRows<{ group_id: number }>(sequelize,
    'SELECT m.group_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.username = ? ORDER BY m.group_id', [username]);
  return rows.map((r) => Number(r.group_id));
}

/** Group names of each user id (all users when `userIds` is not given; one query). */
export async function groupNamesByUser(models: AccountModels, userIds?: number[]): Promise<Map<number, string[]>> {
  const where = userIds ? `WHERE m.user_id IN (${userIds.map(() => '?').join(',') || 'NULL'})` : '';
  const rows = await selectRows<{ user_id: number; name: string }>(models.sequelize,
    `SELECT m.user_id, g.name FROM memberships m JOIN groups g ON g.id = m.group_id ${where} ORDER BY g.name`, userIds ?? []);
  const out = new Map<number, string[]>();
  for (const r of rows) {
    const id = Number(r.user_id);
    out.set(id, [...(out.get(id) ?? []), r.name]);
  }
  return out;
}

/** Flags a user may have changed by the admin routes. */
export interface UserFlags {
  isActive?: boolean;
  isStaff?: boolean;
  isSuperuser?: boolean;
  /** The original's user level (0 view only, 1 simplified, 2 advanced). */
  level?: number;
}

/** The guard of every change that could take away an active superuser. */
const ANOTHER_SUPERUSER_REMAINS = '(NOT (is_superuser AND is_active) OR EXISTS (SELECT 1 FROM users o WHERE o.is_superuser AND o.is_active AND o.id <> ?))';

/**
 * Sets flags in one statement. A change that takes away an active superuser (deactivate,
 * demote) is guarded by "another active superuser remains", so two admins acting at the same
 * moment cannot remove the last one: false when the guard refused, true otherwise.
 */
export async function setUserFlags(models: AccountModels, userId: number, flags: UserFlags): Promise<boolean> {
  const sets: string[] = [];
  const values: unknown[] = [];
  for (const [column, value] of [['is_active', flags.isActive], ['is_staff', flags.isStaff], ['is_superuser', flags.isSuperuser], ['level', flags.level]] as const) {
    if (value !== undefined) {
      sets.push(`${column} = ?`);
      values.push(value);
    }
  }
  if (sets.length === 0) {
    return true;
  }
  const guarded = flags.isActive === false || flags.isSuperuser === false;
  const sql = `UPDATE users SET ${sets.join(', ')} WHERE id = ?${guarded ? ` AND ${ANOTHER_SUPERUSER_REMAINS}` : ''}`;
  const changed = await changeRows(models.sequelize, sql, guarded ? [...values, userId, userId] : [...values, userId]);
  return !guarded || changed > 0;
}

/** Deletes a user unless that would remove the last active superuser (false then). */
export async function deleteUserGuarded(models: AccountModels, userId: number): Promise<boolean> {
  const changed = await changeRows(models.sequelize, `DELETE FROM users WHERE id = ? AND ${ANOTHER_SUPERUSER_REMAINS}`, [userId, userId]);
  return changed > 0;
}

/** Changes a user's email. */
export async function setEmail(models: AccountModels, userId: number, email: string): Promise<void> {
  await models.User.update({ email }, { where: { id: userId } });
}

/** What a new user row holds (the password already hashed). */
export interface NewUserRow {
  username: string;
  email: string;
  password: string | null;
  isStaff: boolean;
  isSuperuser: boolean;
  isActive: boolean;
  source: AccountSource;
  /** The original's user level; 2 (advanced) when not given. */
  level?: number;
}

/** Inserts a user; null when the username is taken. */
export async function insertUser(models: AccountModels, row: NewUserRow): Promise<User | null> {
  try {
    return await models.User.create({ ...row, dateJoined: new Date() });
  } catch (e) {
    if (e instanceof UniqueConstraintError) {
      return null;
    }
    throw e;
  }
}

/** Stores a new password hash. */
export async function setPasswordHash(models: AccountModels, userId: number, hash: string): Promise<void> {
  await models.User.update({ password: hash }, { where: { id: userId } });
}

/** Records the time of a login. */
export async function setLastLogin(models: AccountModels, userId: number, at: Date): Promise<void> {
  await models.User.update({ lastLogin: at }, { where: { id: userId } });
}

/** Whether a user has this name. */
export async function usernameTaken(models: AccountModels, username: string): Promise<boolean> {
  return (await models.User.findOne({ where: { username }, attributes: ['id'] })) !== null;
}
