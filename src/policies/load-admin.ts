/** The load → authorize step of the admin routes: a user or group by its id, 404 with the original's message, 403 by the admin rules. */
import type { Actor } from '../auth/actor.js';
import { findGroup } from '../data/groups.js';
import { findUser, type UserFlags } from '../data/users.js';
import type { AccountModels, Group, User } from '../db/models/index.js';
import { notFound } from '../errors.js';
import { parseId } from '../validation/id.js';
import { authorize } from './authorize.js';

/** Throws 403 unless the actor may administer. */
export function authorizeAdmin(actor: Actor): void {
  authorize(actor, 'admin.administer', null);
}

/**
 * Loads user `raw` for an admin route: 404 `User <raw> does not exist.`; for `edit` (password,
 * flags, deactivation, deletion), 403 unless the actor may change that account.
 */
export async function loadUserFor(models: AccountModels, actor: Actor, raw: string | undefined, action: 'see' | 'edit'): Promise<User> {
  const id = parseId(raw);
  const user = id === null ? null : await findUser(models, id);
  if (!user) {
    throw notFound(`User ${raw} does not exist.`);
  }
  if (action === 'edit') {
    authorize(actor, 'user.edit', user);
  }
  return user;
}

/** Loads group `raw` for an admin route: 404 `Group <raw> does not exist.` */
export async function loadGroupFor(models: AccountModels, raw: string | undefined): Promise<Group> {
  const id = parseId(raw);
  const group = id === null ? null : await findGroup(models, id);
  if (!group) {
    throw notFound(`Group ${raw} does not exist.`);
  }
  return group;
}

/** 403 unless the actor may make these flag changes to `target` (null: a new account). */
export function authorizeFlags(actor: Actor, target: User | null, flags: UserFlags): void {
  authorize(actor, 'user.setFlags', { target, flags });
}
