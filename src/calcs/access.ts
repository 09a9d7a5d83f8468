/**
 * Loading a calculation for a route and asking the policies about it: unknown (or deleted)
 * → 404 `Unknown job <id>`, not allowed → 403 with the route's message.
 */
import type { Sequelize } from 'sequelize';
import type { Actor } from '../auth/actor.js';
import { groupIdsOfUsername } from '../auth/users.js';
import { forbidden, notFound } from '../errors.js';
import type { CalcModels } from '../models/calcs.js';
import { maySeeCalculation, type CalcFacts } from '../policies/calculation.js';
import type { Settings } from '../settings/schema.js';
import { selectRows } from './fast-sql.js';
import type { ListCache } from './list-cache.js';
import { visibleOwnersQuery } from './list-query.js';
import type { DateValue } from './presenters.js';

/** What the calculation routes share: settings, the database and its models. */
export interface CalcEnv {
  settings: Settings;
  sequelize: Sequelize;
  models: CalcModels;
  notify: (to: 'runner' | 'web', what: string, payload?: unknown) => void;
  /** Recent list answers of this worker; bump() it after changing the job table. */
  listCache: ListCache;
}

/** A calculation id from the URL; anything but digits is an unknown job. */
export function parseCalcId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) {
    throw notFound(`Unknown job ${raw}`);
  }
  return Number(raw);
}

/** A job row as the routes read it (dates as the database returns them). */
export interface JobRow {
  id: number;
  description: string;
  user_name: string;
  calculation_mode: string;
  hazard_calculation_id: number | null;
  status: string;
  is_running: number | boolean;
  start_time: DateValue;
  stop_time: DateValue;
  pid: number | null;
  size_mb: number | null;
}

/** The job with this id, unless unknown or deleted (404). */
export async function loadJob(env: CalcEnv, raw: string): Promise<JobRow> {
  const id = parseCalcId(raw);
  const [job] = await selectRows<JobRow>(env.sequelize,
    'SELECT id, description, user_name, calculation_mode, hazard_calculation_id, status, is_running, start_time, stop_time, pid, size_mb FROM job WHERE id = ?', [id]);
  if (job === undefined || job.status === 'deleted') {
    throw notFound(`Unknown job ${id}`);
  }
  return job;
}

/** The owners whose jobs the actor sees through ownership and groups; null when the actor sees everything. */
export async function visibleOwners(env: Pick<CalcEnv, 'sequelize'>, actor: Actor): Promise<string[] | null> {
  const q = visibleOwnersQuery(actor);
  if (q === null) {
    return null;
  }
  return (await selectRows<{ username: string }>(env.sequelize, q.sql, q.replacements)).map((r) => r.username);
}

/** What the policies need to know of a job (the owner's groups are looked up unless nobody is restricted). */
export async function factsOf(env: CalcEnv, actor: Actor, job: Pick<JobRow, 'user_name' | 'status'>): Promise<CalcFacts> {
  const ownerGroupIds = actor.unrestricted ? [] : await groupIdsOfUsername(env.sequelize, job.user_name);
  return { userName: job.user_name, status: job.status, ownerGroupIds };
}

/** Loads a job the actor may see (404 unknown, 403 `User <user> has no permission to see job <id>`). */
export async function loadVisibleJob(env: CalcEnv, actor: Actor, raw: string): Promise<{ job: JobRow; facts: CalcFacts }> {
  const job = await loadJob(env, raw);
  const facts = await factsOf(env, actor, job);
  if (!maySeeCalculation(actor, facts, { aclOn: env.settings.ACL_ON })) {
    throw forbidden(`User ${actor.username} has no permission to see job ${job.id}`);
  }
  return { job, facts };
}
