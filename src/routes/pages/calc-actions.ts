/**
 * What the calculation list shows per row besides /v1/calc/list: the buttons this user may
 * use (allowedCalcActions of the policies module; the API routes check again) and the progress
 * of a running calculation, from the last percentage the engine logged (`classical  50% [of 4 tasks]`).
 */
import type { Actor } from '../../auth/actor.js';
import { findJobs } from '../../data/calculations.js';
import { lastProgressLine } from '../../data/logs.js';
import type { CalcModels } from '../../db/models/calcs.js';
import { progressOf, type EngineProgress } from '../../runner/engine-log.js';
import { allowedCalcActions, calcFactsOfMany, type CalcFacts } from '../../policies/index.js';
import type { Settings } from '../../settings/schema.js';

/** A button of a calculation row. */
export type CalcButton = 'console' | 'traceback' | 'outputs' | 'abort' | 'remove' | 'share' | 'unshare' | 'continue';

/** The row extras of one calculation. */
export interface CalcExtras {
  actions: CalcButton[];
  /** The task and percentage of the engine's last progress line while running, else null (100: past it, finishing). */
  progress: EngineProgress | null;
}

const RUNNING = new Set(['submitted', 'executing']);
const FINISHED = new Set(['complete', 'shared', 'failed', 'aborted']);

/** Risk calculations cannot be continued; hazard ones (classical, event_based, scenario, ...) can. */
export function isHazardMode(mode: string): boolean {
  return mode !== '' && !/risk|damage|bcr|loss|multi_|conditional_spectrum|postproc/.test(mode);
}


/** The buttons of one calculation for this actor (none when the actor may not see it). */
export function buttonsFor(actor: Actor, job: { status: string; calculation_mode: string }, facts: CalcFacts, s: Pick<Settings, 'ACL_ON' | 'APPLICATION_MODE'>): CalcButton[] {
  const may = allowedCalcActions(actor, facts, { aclOn: s.ACL_ON, readOnly: s.APPLICATION_MODE === 'READ_ONLY' });
  if (!may.see) {
    return [];
  }
  const out: CalcButton[] = ['console'];
  if (job.status === 'failed') {
    out.push('traceback');
  }
  if (FINISHED.has(job.status)) {
    out.push('outputs');
  }
  for (const a of ['abort', 'remove', 'share', 'unshare'] as const) {
    if (may[a]) {
      out.push(a);
    }
  }
  if (may.continue && isHazardMode(job.calculation_mode)) {
    out.push('continue');
  }
  return out;
}

/** Buttons and progress of the given calculations (unknown, deleted and invisible ones are left out). */
export async function calcExtras(db: CalcModels, actor: Actor, ids: number[], s: Settings): Promise<Record<string, CalcExtras>> {
  const jobs = await findJobs(db, ids);
  const factsOf = await calcFactsOfMany(db, actor, jobs);
  const out: Record<string, CalcExtras> = {};
  for (const job of jobs) {
    const facts = factsOf.get(job.id) as CalcFacts;
    const actions = buttonsFor(actor, job, facts, s);
    if (actions.length === 0) {
      continue;
    }
    const line = RUNNING.has(job.status) ? await lastProgressLine(db, job.id) : null;
    out[String(job.id)] = { actions, progress: line === null ? null : progressOf(line) };
  }
  return out;
}
