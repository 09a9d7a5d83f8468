/**
 * Writing accounts: the rules shared by the commands (createuser, createsuperuser,
 * changepassword) and the admin routes. Errors are HttpErrors with Django's messages,
 * so the routes answer them as they are and the commands print them.
 */
import { QueryTypes, UniqueConstraintError } from 'sequelize';
import { badRequest, conflict, HttpError, notFound } from '../errors.js';
import type { AccountModels, AccountSource, Group, User } from '../models/index.js';
import { validatePassword } from './password-validators.js';
import { hashPassword } from './passwords.js';
import { destroyUserSessions } from './session-store.js';

/** Django's UnicodeUsernameValidator, and its field's max length. */
const USERNAME = /^[\p{L}\p{N}_.@+-]{1,150}$/u;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** What a new account is made of. */
export interface NewAccount {
  username: string;
  email?: string;
  /** The plain password (validated, hashed), or null for an account without a local password. */
  password: string | null;
  isStaff?: boolean;
  isSuperuser?: boolean;
  isActive?: boolean;
  source?: AccountSource;
  /** Group names; each must exist unless createGroups is set. */
  groups?: string[];
}

/** 400 naming every broken password rule. */
function passwordRefused(problems: string[]): HttpError {
  const msg = problems.join(' ');
  return new HttpError(400, msg, { error: msg, problems });
}

/** Throws 400 unless the username is valid (Django's rule). */
export function checkUsername(username: string): void {
  if (!USERNAME.test(username)) {
    throw badRequest('Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.');
  }
}

/** Throws 400 unless the email is empty or looks like one. */
export function checkEmail(email: string): void {
  if (email !== '' && !EMAIL.test(email)) {
    throw badRequest('Enter a valid email address.');
  }
}

/** Throws 400 naming each of Django's rules the password breaks. */
export function checkPassword(password: string, owner: { username: string; email?: string }): void {
  const problems = validatePassword(password, owner);
  if (problems.length > 0) {
    throw passwordRefused(problems);
  }
}

/** Finds groups by name; 400 naming those that do not exist (or creates them). */
export async function groupsNamed(models: AccountModels, names: string[], create = false): Promise<Group[]> {
  const out: Group[] = [];
  const missing: string[] = [];
  for (const name of [...new Set(names)]) {
    let g = await models.Group.findOne({ where: { name } });
    if (!g && create) {
      checkGroupName(name);
      g = await createGroupIfMissing(models, name);
    }
    if (g) {
      out.push(g);
    } else {
      missing.push(name);
    }
  }
  if (missing.length > 0) {
    throw badRequest(`No such group: ${missing.join(', ')}`);
  }
  return out;
}

/** Throws 400 unless a group name is acceptable. */
export function checkGroupName(name: string): void {
  if (typeof name !== 'string' || name.trim() === '' || name.length > 150) {
    throw badRequest('A group name is 1 to 150 characters.');
  }
}

/** Creates an account (validated; password hashed at full strength). */
export async function createAccount(models: AccountModels, a: NewAccount, opts: { createGroups?: boolean } = {}): Promise<User> {
  checkUsername(a.username);
  const email = a.email ?? '';
  checkEmail(email);
  if (a.password !== null) {
    checkPassword(a.password, { username: a.username, email });
  }
  const groups = await groupsNamed(models, a.groups ?? [], opts.createGroups);
  if (await models.User.findOne({ where: { username: a.username }, attributes: ['id'] })) {
    throw conflict('A user with that username already exists.');
  }
  const password = a.password === null ? null : await hashPassword(a.password);
  let user: User;
  try {
    user = await models.User.create({
      username: a.username, email, password,
      isStaff: a.isStaff ?? false, isSuperuser: a.isSuperuser ?? false, isActive: a.isActive ?? true,
      source: a.source ?? 'local', dateJoined: new Date(),
    });
  } catch (e) {
    if (e instanceof UniqueConstraintError) {
      throw conflict('A user with that username already exists.');
    }
    throw e;
  }
  await addMemberships(models, user.id, groups.map((g) => g.id));
  return user;
}

/** The user with this name, or 404. */
export async function userNamed(models: AccountModels, username: string): Promise<User> {
  const user = await models.User.findOne({ where: { username } });
  if (!user) {
    throw notFound(`User "${username}" does not exist.`);
  }
  return user;
}

/** Sets a new (validated) password and logs the user out everywhere but `keepSid`. */
export async function setPassword(models: AccountModels, user: User, password: string, keepSid?: string): Promise<void> {
  checkPassword(password, { username: user.username, email: user.email });
  const hash = await hashPassword(password);
  await models.User.update({ password: hash }, { where: { id: user.id } });
  user.password = hash;
  await destroyUserSessions(models, user.id, keepSid);
}

/**
 * Runs a change that would take away an active superuser (deactivate, demote, delete) as one
 * statement guarded by "another active superuser remains", so two admins acting at the same
 * moment cannot remove the last one. Returns false when the guard refused.
 */
export async function guardLastSuperuser(models: AccountModels, userId: number, sql: string, replacements: unknown[]): Promise<boolean> {
  const guarded = `${sql} AND (NOT (is_superuser AND is_active) OR EXISTS (SELECT 1 FROM users o WHERE o.is_superuser AND o.is_active AND o.id <> ?))`;
  // BULKUPDATE / BULKDELETE make sequelize return the number of rows changed, on every dialect
  const type = /^\s*delete/i.test(sql) ? QueryTypes.BULKDELETE : QueryTypes.BULKUPDATE;
  const changed: unknown = await models.sequelize.query(guarded, { replacements: [...replacements, userId], type });
  return Number(changed) > 0;
}

/** Makes the memberships of a user exactly these groups (PAM_MAP_UNIX_GROUPS). */
export async function setMemberships(models: AccountModels, userId: number, groupIds: number[]): Promise<void> {
  const current = (await models.Membership.findAll({ where: { userId } })).map((m) => m.groupId);
  for (const gid of current.filter((g) => !groupIds.includes(g))) {
    await models.Membership.destroy({ where: { userId, groupId: gid } });
  }
  await addMemberships(models, userId, groupIds.filter((g) => !current.includes(g)));
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

/** The group with this name, created if missing (two creators at once end with one group). */
export async function createGroupIfMissing(models: AccountModels, name: string): Promise<Group> {
  const found = await models.Group.findOne({ where: { name } });
  if (found) {
    return found;
  }
  try {
    return await models.Group.create({ name });
  } catch (e) {
    if (e instanceof UniqueConstraintError) {
      const again = await models.Group.findOne({ where: { name } });
      if (again) {
        return again;
      }
    }
    throw e;
  }
}
