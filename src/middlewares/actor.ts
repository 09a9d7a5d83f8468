import type { Context, Next } from 'koa';
import type { Actor } from '../auth/actor.js';
import { authCacheFor, bindToEpoch } from '../auth/auth-cache.js';
import { actorOfUser, unrestrictedActor } from '../auth/users.js';
import { findUser } from '../data/users.js';
import { setRemoteUser } from '../http/remote-user.js';
import type { AccountModels } from '../db/models/index.js';
import type { Settings } from '../settings/schema.js';
import { accountState } from './state.js';

/**
 * Sets ctx.state.actor. LOCKDOWN off: every caller is the DEFAULT_USER, unrestricted.
 * LOCKDOWN on: the session's user if it still exists and is active; a session whose user
 * was disabled is dropped. The user's actor is read once per auth epoch and kept by the
 * worker (src/auth/auth-cache.ts): it is frozen, shared by that user's requests.
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
  const cache = authCacheFor(models.sequelize);
  /** The user's actor, null when the user is gone or inactive. */
  const readActor = async (uid: number): Promise<Actor | null> => {
    const user = await findUser(models, uid);
    if (!user || !user.isActive) {
      return null;
    }
    const actor = await actorOfUser(models, user);
    Object.freeze(actor.groupIds);
    Object.freeze(actor);
    // read after the epoch: what is derived from it (the list's visible owners) may be kept with it
    bindToEpoch(actor);
    return actor;
  };
  /** Puts the user's actor (null: gone or inactive, the session then ends) in the request's state. */
  const adopt = (ctx: Context, uid: number, actor: Actor | null): void => {
    const state = accountState(ctx);
    if (actor) {
      state.actor = actor;
      state.userId = uid;
      setRemoteUser(ctx.req, actor.username);
    } else {
      ctx.session = null;
    }
  };
  const readThenNext = async (ctx: Context, next: Next, uid: number, known: number | undefined): Promise<unknown> => {
    // the epoch the session was read at (the store sets it); read now if the store did not run
    const epoch = known ?? await cache.current();
    let actor = cache.actor(uid, epoch);
    if (actor === undefined) {
      actor = await readActor(uid);
      cache.rememberActor(uid, epoch, actor);
    }
    adopt(ctx, uid, actor);
    return next();
  };
  // not async: a request whose user this worker knows at this epoch only passes through
  return function sessionActor(ctx: Context, next: Next): Promise<unknown> {
    const state = accountState(ctx);
    state.actor = null;
    state.userId = null;
    const uid = (ctx.session as { uid?: unknown } | null)?.uid;
    if (typeof uid !== 'number') {
      return next();
    }
    const known = state.authEpoch === undefined ? undefined : cache.actor(uid, state.authEpoch);
    if (known === undefined) {
      return readThenNext(ctx, next, uid, state.authEpoch);
    }
    adopt(ctx, uid, known);
    return next();
  };
}
