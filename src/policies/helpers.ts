import type { Actor } from '../auth/actor.js';

/** A rule over an actor and (maybe) a record; policies combine them with `or`. */
export type Condition<T> = (actor: Actor, record: T) => boolean;

/** True when any condition holds. */
export function or<T>(...conds: Condition<T>[]): Condition<T> {
  return (actor, record) => conds.some((c) => c(actor, record));
}

/** LOCKDOWN off: the default user may do everything, as in the original. */
export const isUnrestricted: Condition<unknown> = (actor) => actor.unrestricted;

/** A superuser (an active account with is_superuser). */
export const isSuperuser: Condition<unknown> = (actor) => actor.isSuperuser;

/** The actor shares at least one group with the given group ids. */
export function sharesGroup(actor: Actor, groupIds: readonly number[]): boolean {
  return groupIds.some((g) => actor.groupIds.includes(g));
}

/**
 * The original's "advanced" user (user_profile level 2): what sharing, tags, job_zip, every
 * extract and the datastore (unless ALLOW_DATASTORE_DOWNLOAD) need. A superuser counts as one
 * whatever their level; with LOCKDOWN off everyone is one, as in the original.
 */
export const isAdvanced: Condition<unknown> = (actor) => actor.unrestricted || actor.isSuperuser || actor.level >= 2;
