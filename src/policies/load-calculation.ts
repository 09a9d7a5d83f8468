/**
 * The one load → authorize step of every calculation route (and page): unknown or deleted →
 * 404 with the original's message, not allowed → 403 with the action's message
 * (calculation.ts's `refusal`), else the job and the facts the rules were asked about.
 */
import type { Actor } from '../auth/actor.js';
import { findJob, ownerGroupIds, type JobRow } from '../data/calculations.js';
import { findOutput, type OutputRow } from '../data/outputs.js';
import type { CalcModels } from '../db/models/calcs.js';
import { notFound } from '../errors.js';
import { parseId } from '../validation/id.js';
import { authorize } from './authorize.js';
import type { CalcAction, CalcFacts } from './calculation.js';

/** What the rules depend on besides the actor: ACL_ON. */
export interface CalcRuleOptions {
  aclOn: boolean;
}

/** A calculation id from a URL (src/validation/id.ts); anything else is an unknown job (404 `Unknown job <raw>`). */
export function parseCalcId(raw: string): number {
  const id = parseId(raw);
  if (id === null) {
    throw notFound(`Unknown job ${raw}`);
  }
  return id;
}

/** What the policies need to know of a job (the owner's groups are looked up unless nobody is restricted). */
export async function calcFactsOf(db: CalcModels, actor: Actor, job: Pick<JobRow, 'user_name' | 'status'>): Promise<CalcFacts> {
  const groups = actor.unrestricted ? [] : await ownerGroupIds(db, job.user_name);
  return { userName: job.user_name, status: job.status, ownerGroupIds: groups };
}

/** The facts of several jobs, each owner's groups looked up once (for a page of rows). */
export async function calcFactsOfMany(db: CalcModels, actor: Actor, jobs: Pick<JobRow, 'id' | 'user_name' | 'status'>[]): Promise<Map<number, CalcFacts>> {
  const groupsOf = new Map<string, number[]>();
  const out = new Map<number, CalcFacts>();
  for (const job of jobs) {
    let groups = groupsOf.get(job.user_name);
    if (groups === undefined) {
      groups = actor.unrestricted ? [] : await ownerGroupIds(db, job.user_name);
      groupsOf.set(job.user_name, groups);
    }
    out.set(job.id, { userName: job.user_name, status: job.status, ownerGroupIds: groups });
  }
  return out;
}

/**
 * Loads calculation `rawId` for `action` by `actor`: 404 `Unknown job <id>` (or `unknown`'s
 * message) when it does not exist or is deleted, 403 with the action's message when the rules
 * refuse it.
 */
export async function loadCalculationFor(
  db: CalcModels, actor: Actor, rawId: string, action: CalcAction, opts: CalcRuleOptions & { unknown?: (id: string) => string },
): Promise<{ job: JobRow; facts: CalcFacts }> {
  const unknown = opts.unknown ?? ((id: string) => `Unknown job ${id}`);
  const id = parseId(rawId);
  if (id === null) {
    throw notFound(unknown(rawId));
  }
  const job = await findJob(db, id);
  if (job === null || job.status === 'deleted') {
    throw notFound(unknown(String(id)));
  }
  const facts = await calcFactsOf(db, actor, job);
  authorize(actor, `calculation.${action}`, { ...facts, id: job.id, aclOn: opts.aclOn });
  return { job, facts };
}

/** Loads output `rawRid` for download: 404 `Unknown output <id>` (also when its job is deleted), 403 as `see`. */
export async function loadOutputFor(db: CalcModels, actor: Actor, rawRid: string, opts: CalcRuleOptions): Promise<{ output: OutputRow; job: JobRow }> {
  const rid = parseCalcId(rawRid);
  const output = await findOutput(db, rid);
  const unknown = (): string => `Unknown output ${rid}`;
  if (output === null) {
    throw notFound(unknown());
  }
  const { job } = await loadCalculationFor(db, actor, String(output.oq_job_id), 'see', { ...opts, unknown });
  return { output, job };
}
