/**
 * Calculation tags, the original 3.26's routes (GET, as its clients call them) with its answers:
 * `{"success": ...}` or `{"error": ...}`. Changing tags needs an advanced user (level 2, as the
 * original); a job's tags also need seeing the job (the original checks no job at all). A GET that
 * changes state is refused when a browser says it comes from another site, since the session
 * cookie would go with it.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { RouteContext } from '../../app-context.js';
import { addTagToJob, createTag, deleteTag, listTagNames, preferredJob, removeTagFromJob, setPreferredJob, unsetPreferredJob } from '../../data/tags.js';
import { badRequest, conflict, forbidden } from '../../errors.js';
import { actorOf } from '../../middlewares/state.js';
import { userText, validate } from '../../validation/validate.js';
import { calcFactsOf, loadCalculationFor, mayChangeTags, maySeeCalculation } from '../../policies/index.js';

/** The longest tag name (the column's size). */
const MAX_TAG_LENGTH = 255;

/** The tag name of the path (400 naming what is wrong: too long, control characters, blank). */
function tagName(ctx: Context): string {
  const name = validate(userText(MAX_TAG_LENGTH), String(ctx.params.tag ?? ''), 'tag name');
  if (name.trim() === '') {
    throw badRequest('Invalid tag name: it is blank');
  }
  return name;
}

/** A tag change: refused cross-site (it is a GET) and below level 2. */
function checkChange(ctx: Context): void {
  if (ctx.get('Sec-Fetch-Site') === 'cross-site') {
    throw forbidden('Forbidden: cross-site request refused (Sec-Fetch-Site: cross-site)');
  }
  const actor = actorOf(ctx);
  if (!mayChangeTags(actor)) {
    throw forbidden(`User ${actor.username} may not change tags: it needs level 2 (advanced), the user has ${actor.level}`);
  }
}

/** Registers the tag routes (before /v1/calc/:id). */
export function tagRoutes(router: Router, env: RouteContext): void {
  const aclOn = env.settings.ACL_ON;
  /** The job of the path, for a tag change (404 unknown, 403 not seen). */
  const taggedJob = async (ctx: Context) => (await loadCalculationFor(env.models, actorOf(ctx), ctx.params.id, 'tag', { aclOn })).job;

  router.get('/v1/calc/list_tags', async function calcListTags(ctx) {
    actorOf(ctx);
    ctx.body = { success: 'ok', tags: await listTagNames(env.models) };
  });

  router.get('/v1/calc/create_tag/:tag', async function calcCreateTag(ctx) {
    checkChange(ctx);
    const name = tagName(ctx);
    ctx.body = { success: (await createTag(env.models, name)) ? `Tag ${name} was created` : `Tag ${name} already exists` };
  });

  router.get('/v1/calc/delete_tag/:tag', async function calcDeleteTag(ctx) {
    checkChange(ctx);
    const name = tagName(ctx);
    ctx.body = { success: (await deleteTag(env.models, name)) ? `Tag ${name} was deleted` : `Tag ${name} does not exist` };
  });

  router.get('/v1/calc/:id/add_tag/:tag', async function calcAddTag(ctx) {
    checkChange(ctx);
    const name = tagName(ctx);
    const job = await taggedJob(ctx);
    if (!(await addTagToJob(env.models, job.id, name))) {
      throw conflict(`Job ${job.id} already has the tag ${name}`);
    }
    ctx.body = { success: `The tag ${name} was added to job ${job.id}` };
  });

  router.get('/v1/calc/:id/remove_tag/:tag', async function calcRemoveTag(ctx) {
    checkChange(ctx);
    const name = tagName(ctx);
    const job = await taggedJob(ctx);
    const exists = await removeTagFromJob(env.models, job.id, name);
    ctx.body = { success: exists ? `Tag ${name} was removed from job ${job.id}` : `Tag ${name} was not associated with job ${job.id}` };
  });

  router.get('/v1/calc/:id/set_preferred_job_for_tag/:tag', async function calcSetPreferred(ctx) {
    checkChange(ctx);
    const name = tagName(ctx);
    const job = await taggedJob(ctx);
    await setPreferredJob(env.models, job.id, name);
    ctx.body = { success: `Job ${job.id} was set as preferred for tag ${name}` };
  });

  router.get('/v1/calc/unset_preferred_job_for_tag/:tag', async function calcUnsetPreferred(ctx) {
    checkChange(ctx);
    const name = tagName(ctx);
    await unsetPreferredJob(env.models, name);
    ctx.body = { success: `Tag ${name} has no preferred job now` };
  });

  router.get('/v1/calc/get_preferred_job_for_tag/:tag', async function calcGetPreferred(ctx) {
    const actor = actorOf(ctx);
    const job = await preferredJob(env.models, tagName(ctx));
    // a preferred job the caller may not see is not theirs to know of: as if there were none
    const seen = job !== null && maySeeCalculation(actor, await calcFactsOf(env.models, actor, job), { aclOn });
    ctx.body = { success: 'ok', job_id: seen ? job.id : null };
  });
}
