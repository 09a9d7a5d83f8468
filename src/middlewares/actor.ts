import type { Context, Next } from 'koa';
import { actorOfUser, unrestrictedActor } from '../auth/users.js';
import { setRemoteUser } from '../http/remote-user.js';
import type { AccountModels } from '../models/index.js';
import type { Settings } from '../settings/schema.js';
import { accountState } from './state.js';

/**
 * Sets ctx.state.actor. LOCKDOWN off: every caller is the DEFAULT_USER, unrestricted.
 * LOCKDOWN on: the session's user if it still exists and is active; a session whose user
 * was disabled is dropped.
 */
export function actorMiddleware(s: Pick<Settings, 'LOCKDOWN' | 'DEFAULT_USER'>, models: AccountModels) {
  if (!s.LOCKDOWN) {
    const everyone = Object.freeze(unrestrictedActor(s.DEFAULT_USER));
    return async function defaultActor(ctx: Context, next: Next): Promise<void> {
      const state = accountState(ctx);
      state.actor = everyone;
      state.userId = null;
      setRemoteUser(ctx.req, everyone.username);
      await next();
    };
  }
  return async function sessionActor(ctx: Context, next: Next): Promise<void> {
    const state = accountState(ctx);
    state.actor = null;
    state.userId = null;
    const uid = (ctx.session as { uid?: unknown } | null)?.uid;
    if (typeof uid === 'number') {
      const user = await models.User.findByPk(uid);
      if (user && user.isActive) {
        state.actor = await actorOfUser(models, user);
        state.userId = user.id;
        setRemoteUser(ctx.req, user.username);
      } else {
        ctx.session = null;
      }
    }
    await next();
  };
}
