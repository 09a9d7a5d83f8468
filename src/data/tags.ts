/**
 * Calculation tags (tables `tag` and `job_tag`, migration 0009), as the original 3.26 keeps
 * them: tags are the team's, any number per job, at most one preferred job per tag. Each change
 * is one statement (or one transaction), so two workers changing the same tag never break the
 * one-preferred rule: the database's unique index keeps it.
 */
import type { Sequelize } from 'sequelize';
import { freshCache, type FreshCache } from '../db/fresh-cache.js';
import { changeRows, insertOneOrNone, selectRows } from '../db/query.js';

/** What the database needs: its Sequelize. */
type Db = { sequelize: Sequelize };

/** The star the original appends to a tag whose job is the preferred one (`t1★`). */
export const PREFERRED_MARK = '★';

/** Every tag name, in name order. */
export async function listTagNames(db: Db): Promise<string[]> {
  const rows = await selectRows<{ name: string }>(db.sequelize, 'SELECT name FROM tag ORDER BY name', []);
  return rows.map((r) => r.name);
}

/** The id of tag `name`, or null. */
async function tagId(db: Db, name: string): Promise<number | null> {
  const [row] = await selectRows<{ id: number }>(db.sequelize, 'SELECT id FROM tag WHERE name = ?', [name]);
  return row === undefined ? null : Number(row.id);
}

/** Creates tag `name`; false when it existed already. */
export async function createTag(db: Db, name: string): Promise<boolean> {
  const id = await insertOneOrNone(db.sequelize, 'INSERT INTO tag (name) SELECT ? WHERE NOT EXISTS (SELECT 1 FROM tag WHERE name = ?)', [name, name]);
  return id !== null;
}

/** The id of tag `name`, made when missing (two workers making it at once both get the one row). */
async function ensureTag(db: Db, name: string): Promise<number> {
  await createTag(db, name);
  const id = await tagId(db, name);
  if (id === null) {
    throw new Error(`tag ${name} vanished while being used`);
  }
  return id;
}

/** Deletes tag `name` and its links to jobs; false when it did not exist. */
export async function deleteTag(db: Db, name: string): Promise<boolean> {
  const id = await tagId(db, name);
  if (id === null) {
    return false;
  }
  await changeRows(db.sequelize, 'DELETE FROM job_tag WHERE tag_id = ?', [id]);
  return (await changeRows(db.sequelize, 'DELETE FROM tag WHERE id = ?', [id])) === 1;
}

/** Tags job `jobId` with `name` (made when missing); false when the job had it already. */
export async function addTagToJob(db: Db, jobId: number, name: string): Promise<boolean> {
  const id = await ensureTag(db, name);
  const added = await insertOneOrNone(db.sequelize,
    'INSERT INTO job_tag (job_id, tag_id, is_preferred) SELECT ?, ?, FALSE WHERE NOT EXISTS (SELECT 1 FROM job_tag WHERE job_id = ? AND tag_id = ?)',
    [jobId, id, jobId, id]);
  return added !== null;
}

/** Takes tag `name` off job `jobId` (if it had it); false when there is no such tag. */
export async function removeTagFromJob(db: Db, jobId: number, name: string): Promise<boolean> {
  const id = await tagId(db, name);
  if (id === null) {
    return false;
  }
  await changeRows(db.sequelize, 'DELETE FROM job_tag WHERE job_id = ? AND tag_id = ?', [jobId, id]);
  return true;
}

/** Makes job `jobId` the preferred one of tag `name` (tag and link made when missing), in one transaction. */
export async function setPreferredJob(db: Db, jobId: number, name: string): Promise<void> {
  const id = await ensureTag(db, name);
  await db.sequelize.transaction(async (transaction) => {
    const run = (sql: string, replacements: unknown[]) => db.sequelize.query(sql, { replacements, transaction });
    await run('UPDATE job_tag SET is_preferred = FALSE WHERE tag_id = ? AND is_preferred = TRUE AND job_id != ?', [id, jobId]);
    await run('UPDATE job_tag SET is_preferred = TRUE WHERE tag_id = ? AND job_id = ?', [id, jobId]);
    await run('INSERT INTO job_tag (job_id, tag_id, is_preferred) SELECT ?, ?, TRUE WHERE NOT EXISTS (SELECT 1 FROM job_tag WHERE job_id = ? AND tag_id = ?)',
      [jobId, id, jobId, id]);
  });
}

/** Tag `name` has no preferred job any more. */
export async function unsetPreferredJob(db: Db, name: string): Promise<void> {
  await changeRows(db.sequelize,
    'UPDATE job_tag SET is_preferred = FALSE WHERE is_preferred = TRUE AND tag_id IN (SELECT id FROM tag WHERE name = ?)', [name]);
}

/** The preferred job of tag `name` that is not deleted: its id and owner, or null. */
export async function preferredJob(db: Db, name: string): Promise<{ id: number; user_name: string; status: string } | null> {
  const [row] = await selectRows<{ id: number; user_name: string; status: string }>(db.sequelize,
    `SELECT j.id, j.user_name, j.status FROM job AS j JOIN job_tag AS jt ON jt.job_id = j.id JOIN tag AS t ON t.id = jt.tag_id
     WHERE t.name = ? AND jt.is_preferred = TRUE AND j.status != 'deleted'`, [name]);
  return row === undefined ? null : { ...row, id: Number(row.id) };
}

/** The labels of every tagged job, kept by the worker while the epoch holds (a tag change moves it). */
const labelCaches = new WeakMap<Sequelize, FreshCache<ReadonlyMap<number, string>>>();

/**
 * The `tags` of each job, as the original's list shows them: the names in name order joined by
 * `, `, the one whose preferred job this is marked ★; null for a job without tags. Read for every
 * tagged job at once (a team tags few), so a page of the list costs no query of its own.
 */
export async function tagsOfJobs(db: Db, jobIds: readonly number[]): Promise<Map<number, string | null>> {
  let cache = labelCaches.get(db.sequelize);
  if (cache === undefined) {
    cache = freshCache(db.sequelize, { max: 1 });
    labelCaches.set(db.sequelize, cache);
  }
  const labels = await cache.get('all', () => readLabels(db));
  return new Map(jobIds.map((id) => [id, labels.get(id) ?? null]));
}

async function readLabels(db: Db): Promise<ReadonlyMap<number, string>> {
  const rows = await selectRows<{ job_id: number; name: string; is_preferred: number | boolean }>(db.sequelize,
    'SELECT jt.job_id, t.name, jt.is_preferred FROM job_tag AS jt JOIN tag AS t ON t.id = jt.tag_id ORDER BY jt.job_id, t.name', []);
  const out = new Map<number, string>();
  for (const r of rows) {
    const id = Number(r.job_id);
    const label = r.is_preferred ? `${r.name}${PREFERRED_MARK}` : r.name;
    const before = out.get(id);
    out.set(id, before ? `${before}, ${label}` : label);
  }
  return out;
}
