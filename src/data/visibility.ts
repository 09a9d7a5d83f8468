/**
 * The calculations one caller sees, as data: the policy (src/policies/calculation.ts) gives it
 * and evaluates it in canSee; here it becomes SQL for the list.
 */
import type { Sequelize } from 'sequelize';
import { freshCache, type FreshCache } from '../db/fresh-cache.js';
import { marks, selectRows } from '../db/query.js';

/** Whom a caller's visibility follows: everything, or their own jobs, their groups' members' and (in the list, when asked) the shared ones. */
export interface Visibility {
  everything: boolean;
  username: string;
  groupIds: readonly number[];
}

/** SQL text and its positional parameters. */
export interface SqlPart {
  sql: string;
  replacements: unknown[];
}

/** Owner lists kept per worker (the epoch moves when a user, group or membership changes). */
const MAX_OWNER_LISTS = 1_000;

const caches = new WeakMap<Sequelize, FreshCache<readonly string[]>>();

/** The owners whose jobs `v` sees through ownership and groups; null when it sees everything. Kept while the epoch holds. */
export async function visibleOwners(db: { sequelize: Sequelize }, v: Visibility): Promise<readonly string[] | null> {
  if (v.everything) {
    return null;
  }
  let cache = caches.get(db.sequelize);
  if (cache === undefined) {
    cache = freshCache(db.sequelize, { max: MAX_OWNER_LISTS });
    caches.set(db.sequelize, cache);
  }
  return cache.get(`${v.username}\n${v.groupIds.join(',')}`, async () => {
    if (v.groupIds.length === 0) {
      return Object.freeze([v.username]);
    }
    const rows = await selectRows<{ username: string }>(db.sequelize,
      `SELECT ? AS username UNION SELECT u.username FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.group_id IN (${marks(v.groupIds.length)})`,
      [v.username, ...v.groupIds]);
    return Object.freeze(rows.map((r) => r.username));
  });
}

/** The visible jobs as a WHERE fragment over `job` (or `job_count`): `owners` from visibleOwners (null: everyone's); deleted jobs never. */
export function visibleJobs(owners: readonly string[] | null, includeShared = true): SqlPart {
  if (owners === null) {
    return { sql: "status != 'deleted'", replacements: [] };
  }
  const ors = owners.length > 0 ? [`user_name IN (${marks(owners.length)})`] : [];
  if (includeShared) {
    ors.push("status = 'shared'");
  }
  return { sql: `status != 'deleted' AND (${ors.length > 0 ? ors.join(' OR ') : 'FALSE'})`, replacements: [...owners] };
}
