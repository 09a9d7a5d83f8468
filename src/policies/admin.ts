/** Who may use /admin and what they may change there. */
import type { Actor } from '../auth/actor.js';
import { forbidden } from '../errors.js';

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
    throw forbidden('You are not allowed to administer users and groups');
  }
}
