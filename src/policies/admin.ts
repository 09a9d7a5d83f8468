/** Who may use /admin and what they may change there (loading for a route: ./load-admin.ts). */
import type { Actor } from '../auth/actor.js';
import type { UserFlags } from '../data/users.js';
import type { User } from '../db/models/index.js';

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

/** Whether flag changes to `target` (null: a new account) touch staff or superuser status. */
function changesPrivilege(target: User | null, flags: UserFlags): boolean {
  return (flags.isStaff !== undefined && flags.isStaff !== (target?.isStaff ?? false))
    || (flags.isSuperuser !== undefined && flags.isSuperuser !== (target?.isSuperuser ?? false));
}

/** The admin rule table (src/policies/authorize.ts). */
export const ADMIN_RULES = {
  'admin.administer': { allow: (actor: Actor, _r: null) => mayAdminister(actor), refusal: () => NOT_ADMIN },
  'user.edit': { allow: (actor: Actor, user: User) => mayEditPrivilegedUser(actor, user), refusal: () => PRIVILEGED_REFUSED },
  'user.setFlags': {
    allow: (actor: Actor, r: { target: User | null; flags: UserFlags }) => !changesPrivilege(r.target, r.flags) || mayGrantPrivileges(actor),
    refusal: () => GRANT_REFUSED,
  },
};
