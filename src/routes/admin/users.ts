/** /admin/users: list, create, show, update, deactivate and delete accounts. */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Actor } from '../../auth/actor.js';
import { checkEmail, createAccount, guardLastSuperuser, setPassword } from '../../auth/accounts.js';
import { destroyUserSessions } from '../../auth/session-store.js';
import { badRequest, conflict, forbidden } from '../../errors.js';
import { bodyOf } from '../../middlewares/body.js';
import { actorOf } from '../../middlewares/state.js';
import type { User } from '../../models/index.js';
import { mayEditPrivilegedUser, mayGrantPrivileges } from '../../policies/admin.js';
import type { AccountsEnv } from '../accounts/env.js';
import { groupNamesByUser, loadUser, optionalBool, optionalString } from './load.js';
import { presentUser } from './presenters.js';

const GRANT_REFUSED = 'Only a superuser may grant or take away staff or superuser status.';
const PRIVILEGED_REFUSED = 'Only a superuser may change a staff or superuser account.';
const LAST_SUPERUSER = 'Cannot remove the last active superuser.';

async function present(env: AccountsEnv, u: User): Promise<Record<string, unknown>> {
  return presentUser(u, (await groupNamesByUser(env.models, [u.id])).get(u.id) ?? []);
}

function yesNo(b: boolean): string {
  return b ? 'yes' : 'no';
}

/** 403 unless the actor may change this account at all. */
function authorizeEdit(actor: Actor, target: User): void {
  if (!mayEditPrivilegedUser(actor, target)) {
    throw forbidden(PRIVILEGED_REFUSED);
  }
}

/** The flags a PATCH asks for, checked against who asks. */
function requestedFlags(actor: Actor, target: User | null, body: Record<string, unknown>): { isActive?: boolean; isStaff?: boolean; isSuperuser?: boolean } {
  const isActive = optionalBool(body, 'is_active');
  const isStaff = optionalBool(body, 'is_staff');
  const isSuperuser = optionalBool(body, 'is_superuser');
  const changesPrivilege = (isStaff !== undefined && isStaff !== (target?.isStaff ?? false))
    || (isSuperuser !== undefined && isSuperuser !== (target?.isSuperuser ?? false));
  if (changesPrivilege && !mayGrantPrivileges(actor)) {
    throw forbidden(GRANT_REFUSED);
  }
  return { isActive, isStaff, isSuperuser };
}

/** Applies flag changes in one statement; one that would remove the last active superuser is refused (409). */
async function applyFlags(env: AccountsEnv, target: User, flags: { isActive?: boolean; isStaff?: boolean; isSuperuser?: boolean }): Promise<void> {
  const sets: string[] = [];
  const values: unknown[] = [];
  for (const [column, value] of [['is_active', flags.isActive], ['is_staff', flags.isStaff], ['is_superuser', flags.isSuperuser]] as const) {
    if (value !== undefined) {
      sets.push(`${column} = ?`);
      values.push(value);
    }
  }
  if (sets.length === 0) {
    return;
  }
  const takesAway = flags.isActive === false || flags.isSuperuser === false;
  const sql = `UPDATE users SET ${sets.join(', ')} WHERE id = ?`;
  if (takesAway) {
    if (!(await guardLastSuperuser(env.models, target.id, sql, [...values, target.id]))) {
      throw conflict(LAST_SUPERUSER);
    }
  } else {
    await env.models.sequelize.query(sql, { replacements: [...values, target.id] });
  }
  if (flags.isActive === false) {
    await destroyUserSessions(env.models, target.id);
  }
}

async function deactivate(ctx: Context, env: AccountsEnv): Promise<void> {
  const actor = actorOf(ctx);
  const target = await loadUser(env.models, ctx.params.id);
  authorizeEdit(actor, target);
  await applyFlags(env, target, { isActive: false });
  await target.reload();
  env.deps.log.info(`Admin "${actor.username}" deactivated user "${target.username}"`);
  ctx.body = await present(env, target);
}

/** Adds the /users routes to the admin router. */
export function adminUserRoutes(router: Router, env: AccountsEnv): void {
  router.get('/admin/users', async function listUsers(ctx) {
    const users = await env.models.User.findAll({ order: [['username', 'ASC']] });
    const groups = await groupNamesByUser(env.models);
    ctx.body = users.map((u) => presentUser(u, groups.get(u.id) ?? []));
  });

  router.post('/admin/users', async function createUser(ctx) {
    const actor = actorOf(ctx);
    const body = bodyOf(ctx);
    const username = optionalString(body, 'username');
    if (!username) {
      throw badRequest('username is required');
    }
    const flags = requestedFlags(actor, null, body);
    const groups = body.groups === undefined ? [] : body.groups;
    if (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string')) {
      throw badRequest('groups must be a list of group names');
    }
    const password = optionalString(body, 'password');
    const user = await createAccount(env.models, {
      username, email: optionalString(body, 'email') ?? '', password: password ?? null,
      isActive: flags.isActive, isStaff: flags.isStaff, isSuperuser: flags.isSuperuser, groups: groups as string[],
    });
    env.deps.log.info(`Admin "${actor.username}" created user "${user.username}" (staff: ${yesNo(user.isStaff)}, superuser: ${yesNo(user.isSuperuser)}, active: ${yesNo(user.isActive)}, password: ${yesNo(password !== undefined)}, groups: ${(groups as string[]).join(', ') || 'none'})`);
    ctx.status = 201;
    ctx.body = await present(env, user);
  });

  router.get('/admin/users/:id', async function showUser(ctx) {
    ctx.body = await present(env, await loadUser(env.models, ctx.params.id));
  });

  router.patch('/admin/users/:id', async function updateUser(ctx) {
    const actor = actorOf(ctx);
    const target = await loadUser(env.models, ctx.params.id);
    authorizeEdit(actor, target);
    const body = bodyOf(ctx);
    const username = optionalString(body, 'username');
    if (username !== undefined && username !== target.username) {
      throw badRequest('The username cannot be changed (calculations are recorded under it).');
    }
    const email = optionalString(body, 'email');
    if (email !== undefined) {
      checkEmail(email);
    }
    const password = optionalString(body, 'password');
    const flags = requestedFlags(actor, target, body);
    if (password !== undefined) {
      await setPassword(env.models, target, password);
    }
    await applyFlags(env, target, flags);
    if (email !== undefined) {
      await env.models.User.update({ email }, { where: { id: target.id } });
    }
    await target.reload();
    const changed = [
      email !== undefined ? `email=${email}` : '',
      password !== undefined ? 'password' : '',
      ...(['isActive', 'isStaff', 'isSuperuser'] as const).filter((k) => flags[k] !== undefined).map((k) => `${k.replace(/^is/, 'is_').toLowerCase()}=${flags[k]}`),
    ].filter(Boolean);
    env.deps.log.info(`Admin "${actor.username}" updated user "${target.username}" (${changed.join(', ') || 'nothing'})`);
    ctx.body = await present(env, target);
  });

  router.post('/admin/users/:id/deactivate', async function deactivateUser(ctx) {
    await deactivate(ctx, env);
  });

  router.delete('/admin/users/:id', async function deleteUser(ctx) {
    const actor = actorOf(ctx);
    const target = await loadUser(env.models, ctx.params.id);
    authorizeEdit(actor, target);
    if (!(await guardLastSuperuser(env.models, target.id, 'DELETE FROM users WHERE id = ?', [target.id]))) {
      throw conflict(LAST_SUPERUSER);
    }
    env.deps.log.info(`Admin "${actor.username}" deleted user "${target.username}" (id ${target.id})`);
    ctx.body = { success: `User "${target.username}" deleted` };
  });
}
