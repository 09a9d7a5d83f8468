/**
 * Who may see, abort, remove and share a calculation (the original's access rules):
 * owners, members of a group the owner belongs to, and superusers see; `shared` ones are
 * visible to everyone logged in; only the owner may remove. LOCKDOWN off: everything.
 * Seeing is given once, as data (`visibility`): canSee evaluates it, the list turns it into SQL.
 */
import type { Actor } from '../auth/actor.js';
import type { Visibility } from '../data/visibility.js';
import { isAdvanced, isSuperuser, isUnrestricted, or, sharesGroup, type Condition } from './helpers.js';

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

/** Whose calculations an actor sees: everything, else their own, their groups' members' and the shared ones. */
export function visibility(actor: Actor): Visibility {
  return { everything: actor.unrestricted || actor.isSuperuser, username: actor.username, groupIds: actor.groupIds };
}

/** The visibility rule evaluated on one calculation (src/data/visibility.ts makes the same rule SQL). */
const canSee: Condition<CalcFacts> = (actor, calc) => {
  const v = visibility(actor);
  return v.everything || calc.userName === v.username || v.groupIds.some((g) => calc.ownerGroupIds.includes(g)) || calc.status === 'shared';
};
const canAbort = or<CalcFacts>(isUnrestricted, isSuperuser, isOwner, inOwnersGroup);
// "only the owner of a calculation can delete it": superusers are refused too
const canRemove = or<CalcFacts>(isUnrestricted, isOwner);
const canShare: Condition<CalcFacts> = (actor, calc) => isAdvanced(actor, calc) && or<CalcFacts>(isUnrestricted, isSuperuser, isOwner)(actor, calc);

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

/** May share or unshare it: the owner or a superuser, of level 2 (advanced). */
export function mayShareCalculation(actor: Actor, calc: CalcFacts): boolean {
  return canShare(actor, calc);
}

/**
 * What a route may do with a calculation; `continue` = use it as the hazard_job_id of a new one
 * (seeing it is enough); `tag` = add or remove a tag, make it the preferred one of a tag. Each
 * has the original's 403 message.
 */
export type CalcAction = 'see' | 'abort' | 'remove' | 'share' | 'unshare' | 'continue' | 'tag';

/** What a calculation rule is asked about: the job's facts, its id and owner (for the message), and ACL_ON. */
export interface CalcRecord extends CalcFacts {
  id: number;
  aclOn: boolean;
}

/** A calculation rule: the action's condition and the original's 403 message. */
function calcRule(action: CalcAction): { allow(actor: Actor, r: CalcRecord): boolean; refusal(actor: Actor, r: CalcRecord): string } {
  return {
    allow: (actor, r) => mayDo(actor, action, r, r),
    refusal: (actor, r) => refusal(actor, action, { id: r.id, user_name: r.userName }),
  };
}

/** The calculation's rule table (src/policies/authorize.ts). */
export const CALCULATION_RULES = {
  'calculation.see': calcRule('see'),
  'calculation.abort': calcRule('abort'),
  'calculation.remove': calcRule('remove'),
  'calculation.share': calcRule('share'),
  'calculation.unshare': calcRule('unshare'),
  'calculation.continue': calcRule('continue'),
  'calculation.tag': calcRule('tag'),
};

/** The rule of each action. */
export function mayDo(actor: Actor, action: CalcAction, calc: CalcFacts, opts: { aclOn: boolean }): boolean {
  switch (action) {
    case 'see':
    case 'continue':
      return maySeeCalculation(actor, calc, opts);
    case 'abort':
      return mayAbortCalculation(actor, calc);
    case 'remove':
      return mayRemoveCalculation(actor, calc);
    case 'share':
    case 'unshare':
      return mayShareCalculation(actor, calc);
    case 'tag':
      // tags are the team's: an advanced user tags any calculation they see (the original: any calculation)
      return maySeeCalculation(actor, calc, opts) && isAdvanced(actor, calc);
  }
}

/** The 403 message of a refused action (the original's words). */
export function refusal(actor: Actor, action: CalcAction, job: { id: number; user_name: string }): string {
  switch (action) {
    case 'remove':
      return `Cannot delete calculation ${job.id}: it belongs to ${job.user_name} and you are ${actor.username}`;
    case 'continue':
      return `User ${actor.username} has no permission to use job ${job.id} as hazard_job_id`;
    default:
      return `User ${actor.username} has no permission to ${action} job ${job.id}`;
  }
}

/** Which actions the pages may offer an actor on a job (the server still checks each). */
export interface AllowedCalcActions {
  see: boolean;
  abort: boolean;
  remove: boolean;
  share: boolean;
  unshare: boolean;
  /** Run a risk calculation on top of this (complete) one. */
  continue: boolean;
}

/**
 * The buttons a page shows for a job: each rule AND the job's state (abort only while running,
 * remove never while running, share a complete one, unshare a shared one, continue from a
 * complete or shared one) AND the mode (READ_ONLY offers no abort, remove or continue).
 */
export function allowedCalcActions(actor: Actor, calc: CalcFacts, opts: { aclOn: boolean; readOnly: boolean }): AllowedCalcActions {
  const running = calc.status === 'submitted' || calc.status === 'executing';
  const see = maySeeCalculation(actor, calc, opts);
  const writable = !opts.readOnly && calc.status !== 'deleted';
  return {
    see,
    abort: writable && running && mayAbortCalculation(actor, calc),
    remove: writable && !running && mayRemoveCalculation(actor, calc),
    share: calc.status === 'complete' && mayShareCalculation(actor, calc),
    unshare: calc.status === 'shared' && mayShareCalculation(actor, calc),
    continue: writable && see && (calc.status === 'complete' || calc.status === 'shared'),
  };
}
