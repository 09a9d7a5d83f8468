/**
 * Who may see, abort, remove and share a calculation (the original's access rules):
 * owners, members of a group the owner belongs to, and superusers see; `shared` ones are
 * visible to everyone logged in; only the owner may remove. LOCKDOWN off: everything.
 */
import type { Actor } from '../auth/actor.js';
import { forbidden } from '../errors.js';
import { isSuperuser, isUnrestricted, or, sharesGroup, type Condition } from './helpers.js';

/** What a policy needs to know of a calculation. */
export interface CalcFacts {
  /** The owner's user name (job.user_name). */
  userName: string;
  /** The job status: created, submitted, executing, complete, aborted, failed, deleted, shared. */
  status: string;
  /** Ids of the groups the owner belongs to. */
  ownerGroupIds: number[];
}

const isOwner: Condition<CalcFacts> = (actor, calc) => actor.username === calc.userName;
const inOwnersGroup: Condition<CalcFacts> = (actor, calc) => sharesGroup(actor, calc.ownerGroupIds);
const isShared: Condition<CalcFacts> = (_actor, calc) => calc.status === 'shared';

const canSee = or<CalcFacts>(isUnrestricted, isSuperuser, isOwner, inOwnersGroup, isShared);
const canAbort = or<CalcFacts>(isUnrestricted, isSuperuser, isOwner, inOwnersGroup);
// "only the owner of a calculation can delete it": superusers are refused too
const canRemove = or<CalcFacts>(isUnrestricted, isOwner);
const canShare = or<CalcFacts>(isUnrestricted, isSuperuser, isOwner);

/** May open this calculation (details, results, log, datastore); aclOn false: any actor may, by id. */
export function maySeeCalculation(actor: Actor, calc: CalcFacts, opts: { aclOn: boolean }): boolean {
  return !opts.aclOn || canSee(actor, calc);
}

/** May abort it (the "only while running" check is the route's: 409). */
export function mayAbortCalculation(actor: Actor, calc: CalcFacts): boolean {
  return canAbort(actor, calc);
}

/** May remove it: the owner only (superusers are refused, as in the original). */
export function mayRemoveCalculation(actor: Actor, calc: CalcFacts): boolean {
  return canRemove(actor, calc);
}

/** May share or unshare it: the owner or a superuser. */
export function mayShareCalculation(actor: Actor, calc: CalcFacts): boolean {
  return canShare(actor, calc);
}

/** The actions a route may authorize on a calculation. */
export type CalcAction = 'see' | 'abort' | 'remove' | 'share';

/** Throws 403 with `message` unless the actor may do `action` on the calculation. */
export function authorizeCalculation(actor: Actor, action: CalcAction, calc: CalcFacts, opts: { aclOn: boolean; message?: string }): void {
  const allowed = action === 'see' ? maySeeCalculation(actor, calc, opts)
    : action === 'abort' ? mayAbortCalculation(actor, calc)
      : action === 'remove' ? mayRemoveCalculation(actor, calc)
        : mayShareCalculation(actor, calc);
  if (!allowed) {
    throw forbidden(opts.message ?? 'Forbidden');
  }
}
