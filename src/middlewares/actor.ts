import type { Context, Next } from 'koa';
import type { Actor } from '../auth/actor.js';
import { unrestrictedActor } from '../auth/users.js';
import { activeUserFacts } from '../data/users.js';
import { setRemoteUser } from '../http/remote-user.js';
import type { AccountModels } from '../db/models/index.js';
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
    return function defaultActor(ctx: Context, next: Next): Promise<unknown> {
      const state = accountState(ctx);
      state.actor = everyone;
      state.userId = null;
      setRemoteUser(ctx.req, everyone.username);
      return next();
    };
  }
  return async function sessionActor(ctx: Context, next: Next): Promise<unknown> {
    const state = accountState(ctx);
    state.actor = null;
    state.userId = null;
    const uid = (ctx.session as { uid?: unknown } | null)?.uid;
    if (typeof uid === 'number') {
      const user = await activeUserFacts(models, uid);
      if (user) {
        const actor: Actor = { ...user, unrestricted: false };
        state.actor = actor;
        state.userId = uid;
        setRemoteUser(ctx.req, actor.username);
      } else {
        ctx.session = null;
      }
    }
    return next();
  };
}
