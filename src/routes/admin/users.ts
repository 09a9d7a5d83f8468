/** /admin/users: list, create, show, update, deactivate and delete accounts. */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { checkEmail, createAccount, setPassword } from '../../auth/accounts.js';
import { destroyUserSessions } from '../../auth/session-store.js';
import { allUsers, deleteUserGuarded, groupNamesByUser, reloadUser, setEmail, setUserFlags, type UserFlags } from '../../data/users.js';
import type { User } from '../../db/models/index.js';
import { badRequest, conflict } from '../../errors.js';
import { bodyOf } from '../../middlewares/body.js';
import { actorOf } from '../../middlewares/state.js';
import { authorizeFlags, loadUserFor } from '../../policies/load-admin.js';
import type { RouteContext } from '../../app-context.js';
import { adminBody, NEW_USER, USER_CHANGES } from './load.js';
import { presentUser } from './presenters.js';

const LAST_SUPERUSER = 'Cannot remove the last active superuser.';

async function present(env: RouteContext, u: User): Promise<Record<string, unknown>> {
  return presentUser(u, (await groupNamesByUser(env.models, [u.id])).get(u.id) ?? []);
}

function yesNo(b: boolean): string {
  return b ? 'yes' : 'no';
}

/** The flags of a body. */
function flagsOf(body: { is_active?: boolean; is_staff?: boolean; is_superuser?: boolean; level?: number }): UserFlags {
  return { isActive: body.is_active, isStaff: body.is_staff, isSuperuser: body.is_superuser, level: body.level };
}

/** Applies flag changes; one that would remove the last active superuser is refused (409). */
async function applyFlags(env: RouteContext, target: User, flags: UserFlags): Promise<void> {
  if (!(await setUserFlags(env.models, target.id, flags))) {
    throw conflict(LAST_SUPERUSER);
  }
  if (flags.isActive === false) {
    await destroyUserSessions(env.models, target.id);
  }
}

async function deactivate(ctx: Context, env: RouteContext): Promise<void> {
  const actor = actorOf(ctx);
  const target = await loadUserFor(env.models, actor, ctx.params.id, 'edit');
  await applyFlags(env, target, { isActive: false });
  await reloadUser(target);
  env.log.info(`Admin "${actor.username}" deactivated user "${target.username}"`);
  ctx.body = await present(env, target);
}

/** Adds the /users routes to the admin router. */
export function adminUserRoutes(router: Router, env: RouteContext): void {
  router.get('/admin/users', async function listUsers(ctx) {
    const users = await allUsers(env.models);
    const groups = await groupNamesByUser(env.models);
    ctx.body = users.map((u) => presentUser(u, groups.get(u.id) ?? []));
  });

  router.post('/admin/users', async function createUser(ctx) {
    const actor = actorOf(ctx);
    const body = adminBody(NEW_USER, bodyOf(ctx));
    const flags = flagsOf(body);
    authorizeFlags(actor, null, flags);
    const groups = body.groups ?? [];
    const user = await createAccount(env.models, {
      username: body.username, email: body.email ?? '', password: body.password ?? null,
      isActive: flags.isActive, isStaff: flags.isStaff, isSuperuser: flags.isSuperuser, level: flags.level, groups,
    });
    env.log.info(`Admin "${actor.username}" created user "${user.username}" (staff: ${yesNo(user.isStaff)}, superuser: ${yesNo(user.isSuperuser)}, active: ${yesNo(user.isActive)}, password: ${yesNo(body.password !== undefined)}, level: ${user.level}, groups: ${groups.join(', ') || 'none'})`);
    ctx.status = 201;
    ctx.body = await present(env, user);
  });

  router.get('/admin/users/:id', async function showUser(ctx) {
    ctx.body = await present(env, await loadUserFor(env.models, actorOf(ctx), ctx.params.id, 'see'));
  });

  router.patch('/admin/users/:id', async function updateUser(ctx) {
    const actor = actorOf(ctx);
    const target = await loadUserFor(env.models, actor, ctx.params.id, 'edit');
    const body = adminBody(USER_CHANGES, bodyOf(ctx));
    if (body.username !== undefined && body.username !== target.username) {
      throw badRequest('The username cannot be changed (calculations are recorded under it).');
    }
    const { email, password } = body;
    if (email !== undefined) {
      checkEmail(email);
    }
    const flags = flagsOf(body);
    authorizeFlags(actor, target, flags);
    if (password !== undefined) {
      await setPassword(env.models, target, password);
    }
    await applyFlags(env, target, flags);
    if (email !== undefined) {
      await setEmail(env.models, target.id, email);
    }
    await reloadUser(target);
    const changed = [
      email !== undefined ? `email=${email}` : '',
      password !== undefined ? 'password' : '',
      ...(['isActive', 'isStaff', 'isSuperuser'] as const).filter((k) => flags[k] !== undefined).map((k) => `${k.replace(/^is/, 'is_').toLowerCase()}=${flags[k]}`),
      flags.level !== undefined ? `level=${flags.level}` : '',
    ].filter(Boolean);
    env.log.info(`Admin "${actor.username}" updated user "${target.username}" (${changed.join(', ') || 'nothing'})`);
    ctx.body = await present(env, target);
  });

  router.post('/admin/users/:id/deactivate', async function deactivateUser(ctx) {
    await deactivate(ctx, env);
  });

  router.delete('/admin/users/:id', async function deleteUser(ctx) {
    const actor = actorOf(ctx);
    const target = await loadUserFor(env.models, actor, ctx.params.id, 'edit');
    if (!(await deleteUserGuarded(env.models, target.id))) {
      throw conflict(LAST_SUPERUSER);
    }
    env.log.info(`Admin "${actor.username}" deleted user "${target.username}" (id ${target.id})`);
    ctx.body = { success: `User "${target.username}" deleted` };
  });
}
