/**
 * Which outputs of a calculation a user who sees it may list and download (the original 3.26's
 * HIDDEN_OUTPUTS): the exposure and the job's inputs only for an advanced user (helpers.ts's
 * isAdvanced); with LOCKDOWN off everyone, as in the original.
 */
import type { Actor } from '../auth/actor.js';
import { isAdvanced } from './helpers.js';

/** The outputs the original hides from users below level 2 under LOCKDOWN. */
export const HIDDEN_OUTPUTS: readonly string[] = ['exposure', 'job'];

/** May list and download the output with datastore key `dsKey` of a calculation it sees. */
export function mayViewOutput(actor: Actor, dsKey: string): boolean {
  return !HIDDEN_OUTPUTS.includes(dsKey) || isAdvanced(actor, null);
}
