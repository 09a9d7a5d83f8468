/**
 * Writing accounts: the rules shared by the commands (createuser, createsuperuser,
 * changepassword) and the admin routes. Errors are HttpErrors with Django's messages,
 * so the routes answer them as they are and the commands print them.
 */
import { badRequest, conflict, HttpError, notFound } from '../errors.js';
import type { AccountModels, AccountSource, User } from '../db/models/index.js';
import { addMemberships } from '../data/groups.js';
import { findUserNamed, insertUser, setPasswordHash } from '../data/users.js';
import { groupsNamed } from './groups.js';
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
  /** The original's user level (0 view only, 1 simplified, 2 advanced); 2 when not given. */
  level?: number;
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

/** Creates an account (validated; password hashed at full strength). */
export async function createAccount(models: AccountModels, a: NewAccount, opts: { createGroups?: boolean } = {}): Promise<User> {
  checkUsername(a.username);
  const email = a.email ?? '';
  checkEmail(email);
  if (a.password !== null) {
    checkPassword(a.password, { username: a.username, email });
  }
  const groups = await groupsNamed(models, a.groups ?? [], opts.createGroups);
  if (await findUserNamed(models, a.username)) {
    throw conflict('A user with that username already exists.');
  }
  const password = a.password === null ? null : await hashPassword(a.password);
  const user = await insertUser(models, {
    username: a.username, email, password,
    isStaff: a.isStaff ?? false, isSuperuser: a.isSuperuser ?? false, isActive: a.isActive ?? true,
    source: a.source ?? 'local', level: a.level ?? 2,
  });
  if (user === null) {
    throw conflict('A user with that username already exists.');
  }
  await addMemberships(models, user.id, groups.map((g) => g.id));
  return user;
}

/** The user with this name, or 404. */
export async function userNamed(models: AccountModels, username: string): Promise<User> {
  const user = await findUserNamed(models, username);
  if (!user) {
    throw notFound(`User "${username}" does not exist.`);
  }
  return user;
}

/** Sets a new (validated) password and logs the user out everywhere but `keepSid`. */
export async function setPassword(models: AccountModels, user: User, password: string, keepSid?: string): Promise<void> {
  checkPassword(password, { username: user.username, email: user.email });
  const hash = await hashPassword(password);
  await setPasswordHash(models, user.id, hash);
  user.password = hash;
  await destroyUserSessions(models, user.id, keepSid);
}
