/** /admin/groups: list, create, rename and delete groups; add and remove members. */
import type Router from '@koa/router';
import { UniqueConstraintError } from 'sequelize';
import { addMemberships, checkGroupName } from '../../auth/accounts.js';
import { badRequest, conflict, notFound } from '../../errors.js';
import { bodyOf } from '../../middlewares/body.js';
import { actorOf } from '../../middlewares/state.js';
import type { Group } from '../../models/index.js';
import type { AccountsEnv } from '../accounts/env.js';
import { idParam, loadGroup, membersByGroup, optionalString } from './load.js';
import { presentGroup } from './presenters.js';

const DUPLICATE = 'Group with this Name already exists.';

async function present(env: AccountsEnv, g: Group): Promise<Record<string, unknown>> {
  return presentGroup(g, (await membersByGroup(env.models, [g.id])).get(g.id) ?? []);
}

/** The group name of a body; 400 when missing or unacceptable. */
function nameOf(body: Record<string, unknown>): string {
  const name = optionalString(body, 'name')?.trim();
  if (!name) {
    throw badRequest('name is required');
  }
  checkGroupName(name);
  return name;
}

/** Adds the /groups routes to the admin router. */
export function adminGroupRoutes(router: Router, env: AccountsEnv): void {
  router.get('/admin/groups', async function listGroups(ctx) {
    const groups = await env.models.Group.findAll({ order: [['name', 'ASC']] });
    const members = await membersByGroup(env.models);
    ctx.body = groups.map((g) => presentGroup(g, members.get(g.id) ?? []));
  });

  router.post('/admin/groups', async function createGroup(ctx) {
    const actor = actorOf(ctx);
    const name = nameOf(bodyOf(ctx));
    let group: Group;
    try {
      group = await env.models.Group.create({ name });
    } catch (e) {
      throw e instanceof UniqueConstraintError ? conflict(DUPLICATE) : e;
    }
    env.deps.log.info(`Admin "${actor.username}" created group "${name}"`);
    ctx.status = 201;
    ctx.body = await present(env, group);
  });

  router.get('/admin/groups/:id', async function showGroup(ctx) {
    ctx.body = await present(env, await loadGroup(env.models, ctx.params.id));
  });

  router.patch('/admin/groups/:id', async function renameGroup(ctx) {
    const actor = actorOf(ctx);
    const group = await loadGroup(env.models, ctx.params.id);
    const name = nameOf(bodyOf(ctx));
    const old = group.name;
    try {
      await env.models.Group.update({ name }, { where: { id: group.id } });
    } catch (e) {
      throw e instanceof UniqueConstraintError ? conflict(DUPLICATE) : e;
    }
    await group.reload();
    env.deps.log.info(`Admin "${actor.username}" renamed group "${old}" to "${name}"`);
    ctx.body = await present(env, group);
  });

  router.delete('/admin/groups/:id', async function deleteGroup(ctx) {
    const actor = actorOf(ctx);
    const group = await loadGroup(env.models, ctx.params.id);
    await env.models.Group.destroy({ where: { id: group.id } });
    env.deps.log.info(`Admin "${actor.username}" deleted group "${group.name}"`);
    ctx.body = { success: `Group "${group.name}" deleted` };
  });

  router.post('/admin/groups/:id/members', async function addMember(ctx) {
    const actor = actorOf(ctx);
    const group = await loadGroup(env.models, ctx.params.id);
    const body = bodyOf(ctx);
    const username = optionalString(body, 'username');
    const userId = typeof body.user_id === 'number' ? body.user_id : undefined;
    if (username === undefined && userId === undefined) {
      throw badRequest('username or user_id is required');
    }
    const user = await env.models.User.findOne({ where: username !== undefined ? { username } : { id: userId } });
    if (!user) {
      throw notFound(`User ${username !== undefined ? `"${username}"` : userId} does not exist.`);
    }
    await addMemberships(env.models, user.id, [group.id]);
    env.deps.log.info(`Admin "${actor.username}" added user "${user.username}" to group "${group.name}"`);
    ctx.body = await present(env, group);
  });

  router.delete('/admin/groups/:id/members/:userId', async function removeMember(ctx) {
    const actor = actorOf(ctx);
    const group = await loadGroup(env.models, ctx.params.id);
    const user = await env.models.User.findByPk(idParam(ctx.params.userId));
    if (!user) {
      throw notFound(`User ${ctx.params.userId} does not exist.`);
    }
    await env.models.Membership.destroy({ where: { userId: user.id, groupId: group.id } });
    env.deps.log.info(`Admin "${actor.username}" removed user "${user.username}" from group "${group.name}"`);
    ctx.body = await present(env, group);
  });
}
