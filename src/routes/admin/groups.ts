/** /admin/groups: list, create, rename and delete groups; add and remove members. */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { checkGroupName } from '../../auth/groups.js';
import {
  addMemberships, allGroups, createGroup, deleteGroup, DuplicateGroupName, membersByGroup, removeMembership, renameGroup,
} from '../../data/groups.js';
import { findUser, findUserNamed } from '../../data/users.js';
import type { Group } from '../../db/models/index.js';
import { conflict, notFound } from '../../errors.js';
import { bodyOf } from '../../middlewares/body.js';
import { actorOf } from '../../middlewares/state.js';
import { loadGroupFor, loadUserFor } from '../../policies/load-admin.js';
import type { RouteContext } from '../../app-context.js';
import { adminBody, GROUP, MEMBER } from './load.js';
import { presentGroup } from './presenters.js';

const DUPLICATE = 'Group with this Name already exists.';

async function present(env: RouteContext, g: Group): Promise<Record<string, unknown>> {
  return presentGroup(g, (await membersByGroup(env.models, [g.id])).get(g.id) ?? []);
}

/** The group name of a request; 400 when missing or unacceptable. */
function nameOf(ctx: Context): string {
  const { name } = adminBody(GROUP, bodyOf(ctx));
  checkGroupName(name);
  return name;
}

/** Runs a change that may hit another group's name (409). */
async function unique<T>(change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (e) {
    throw e instanceof DuplicateGroupName ? conflict(DUPLICATE) : e;
  }
}

/** Adds the /groups routes to the admin router. */
export function adminGroupRoutes(router: Router, env: RouteContext): void {
  router.get('/admin/groups', async function listGroups(ctx) {
    const groups = await allGroups(env.models);
    const members = await membersByGroup(env.models);
    ctx.body = groups.map((g) => presentGroup(g, members.get(g.id) ?? []));
  });

  router.post('/admin/groups', async function createGroupRoute(ctx) {
    const actor = actorOf(ctx);
    const name = nameOf(ctx);
    const group = await unique(() => createGroup(env.models, name));
    env.log.info(`Admin "${actor.username}" created group "${name}"`);
    ctx.status = 201;
    ctx.body = await present(env, group);
  });

  router.get('/admin/groups/:id', async function showGroup(ctx) {
    ctx.body = await present(env, await loadGroupFor(env.models, ctx.params.id));
  });

  router.patch('/admin/groups/:id', async function renameGroupRoute(ctx) {
    const actor = actorOf(ctx);
    const group = await loadGroupFor(env.models, ctx.params.id);
    const name = nameOf(ctx);
    const old = group.name;
    await unique(() => renameGroup(env.models, group, name));
    env.log.info(`Admin "${actor.username}" renamed group "${old}" to "${name}"`);
    ctx.body = await present(env, group);
  });

  router.delete('/admin/groups/:id', async function deleteGroupRoute(ctx) {
    const actor = actorOf(ctx);
    const group = await loadGroupFor(env.models, ctx.params.id);
    await deleteGroup(env.models, group.id);
    env.log.info(`Admin "${actor.username}" deleted group "${group.name}"`);
    ctx.body = { success: `Group "${group.name}" deleted` };
  });

  router.post('/admin/groups/:id/members', async function addMember(ctx) {
    const actor = actorOf(ctx);
    const group = await loadGroupFor(env.models, ctx.params.id);
    const { username, user_id: userId } = adminBody(MEMBER, bodyOf(ctx));
    const user = username !== undefined ? await findUserNamed(env.models, username) : await findUser(env.models, userId as number);
    if (!user) {
      throw notFound(`User ${username !== undefined ? `"${username}"` : userId} does not exist.`);
    }
    await addMemberships(env.models, user.id, [group.id]);
    env.log.info(`Admin "${actor.username}" added user "${user.username}" to group "${group.name}"`);
    ctx.body = await present(env, group);
  });

  router.delete('/admin/groups/:id/members/:userId', async function removeMember(ctx) {
    const actor = actorOf(ctx);
    const group = await loadGroupFor(env.models, ctx.params.id);
    const user = await loadUserFor(env.models, actor, ctx.params.userId, 'see');
    await removeMembership(env.models, user.id, group.id);
    env.log.info(`Admin "${actor.username}" removed user "${user.username}" from group "${group.name}"`);
    ctx.body = await present(env, group);
  });
}
