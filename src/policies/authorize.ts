/**
 * The one authorization step, as outline has it: `authorize(actor, action, record)` looks the
 * action up in its resource's rule table and throws the rule's 403 when it does not allow.
 */
import type { Actor } from '../auth/actor.js';
import { forbidden } from '../errors.js';
import { ADMIN_RULES } from './admin.js';
import { CALCULATION_RULES } from './calculation.js';

/** One action's rule: whether it is allowed, and the 403 message when not. */
export interface Rule<R> {
  allow(actor: Actor, record: R): boolean;
  refusal(actor: Actor, record: R): string;
}

/** Every resource's rules, by `resource.action`. */
const RULES = { ...CALCULATION_RULES, ...ADMIN_RULES };

/** The actions, and the record each one is asked about. */
export type Actions = { [K in keyof typeof RULES]: (typeof RULES)[K] extends Rule<infer R> ? R : never };

/** Whether `actor` may do `action` to `record`. */
export function can<A extends keyof Actions>(actor: Actor, action: A, record: Actions[A]): boolean {
  return (RULES[action] as Rule<Actions[A]>).allow(actor, record);
}

/** Throws 403 with the rule's message unless `actor` may do `action` to `record`. */
export function authorize<A extends keyof Actions>(actor: Actor, action: A, record: Actions[A]): void {
  const rule = RULES[action] as Rule<Actions[A]>;
  if (!rule.allow(actor, record)) {
    throw forbidden(rule.refusal(actor, record));
  }
}
