/** Who may use /admin and what they may change there; loading a user or group for an admin route. */
import type { Actor } from '../auth/actor.js';
import { findGroup } from '../data/groups.js';
import { findUser, type UserFlags } from '../data/users.js';
import type { AccountModels, Group, User } from '../db/models/index.js';
import { forbidden, notFound } from '../errors.js';

const NOT_ADMIN = 'You are not allowed to administer users and groups';
const GRANT_REFUSED = 'Only a superuser may grant or take away staff or superuser status.';
const PRIVILEGED_REFUSED = 'Only a superuser may change a staff or superuser account.';

/** May use the admin routes: staff or superusers (LOCKDOWN must be on for /admin to exist). */
export function mayAdminister(actor: Actor): boolean {
  return !actor.unrestricted && actor.id !== null && (actor.isStaff || actor.isSuperuser);
}

/** May grant or take away staff and superuser status: superusers only. */
export function mayGrantPrivileges(actor: Actor): boolean {
  return !actor.unrestricted && actor.id !== null && actor.isSuperuser;
}

/** May change a user that is staff or superuser (password, activity, deletion): superusers only. */
export function mayEditPrivilegedUser(actor: Actor, target: { isStaff: boolean; isSuperuser: boolean }): boolean {
  return !(target.isStaff || target.isSuperuser) || mayGrantPrivileges(actor);
}

/** Throws 403 unless the actor may administer. */
export function authorizeAdmin(actor: Actor): void {
  if (!mayAdminister(actor)) {
    throw forbidden(NOT_ADMIN);
  }
}

/** A positive integer id from an admin path; -1 (nothing has it) otherwise. */
export function adminIdParam(raw: string | undefined): number {
  return raw && /^[1-9]\d{0,9}$/.test(raw) ? Number(raw) : -1;
}

/**
 * Loads user `raw` for an admin route: 404 `User <raw> does not exist.`; for `edit` (password,
 * flags, deactivation, deletion), 403 unless the actor may change that account.
 */
export async function loadUserFor(models: AccountModels, actor: Actor, raw: string | undefined, action: 'see' | 'edit'): Promise<User> {
  const user = await findUser(models, adminIdParam(raw));
  if (!user) {
    throw notFound(`User ${raw} does not exist.`);
  }
  if (action === 'edit' && !mayEditPrivilegedUser(actor, user)) {
    throw forbidden(PRIVILEGED_REFUSED);
  }
  return user;
}

/** Loads group `raw` for an admin route: 404 `Group <raw> does not exist.` */
export async function loadGroupFor(models: AccountModels, raw: string | undefined): Promise<Group> {
  const group = await findGroup(models, adminIdParam(raw));
  if (!group) {
    throw notFound(`Group ${raw} does not exist.`);
  }
  return group;
}

/** 403 unless the actor may make these flag changes to `target` (null: a new account). */
export function authorizeFlags(actor: Actor, target: User | null, flags: UserFlags): void {
  const changesPrivilege = (flags.isStaff !== undefined && flags.isStaff !== (target?.isStaff ?? false))
    || (flags.isSuperuser !== undefined && flags.isSuperuser !== (target?.isSuperuser ?? false));
  if (changesPrivilege && !mayGrantPrivileges(actor)) {
    throw forbidden(GRANT_REFUSED);
  }
}
