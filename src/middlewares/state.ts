/** What the account middlewares put in ctx.state, and typed access to it for routes. */
import type { Context } from 'koa';
import type { Actor } from '../auth/actor.js';
import { forbidden } from '../errors.js';

/** The fields of ctx.state set by src/http/client-ip.ts and src/middlewares/actor.ts. */
export interface AccountState {
  /** The client address (trusted proxies considered): what webui-access.log names. */
  clientIp: string;
  /** The request reached us, or the trusted proxy, over HTTPS. */
  secure: boolean;
  /** Who is asking: null only for anonymous requests to the login routes under LOCKDOWN. */
  actor: Actor | null;
  /** The logged-in user's row id (LOCKDOWN on), else null. */
  userId: number | null;
}

/** ctx.state, typed. */
export function accountState(ctx: Context): AccountState {
  return ctx.state as AccountState;
}

/** The actor of the request; 403 if there is none (cannot happen behind the lockdown gate). */
export function actorOf(ctx: Context): Actor {
  const actor = accountState(ctx).actor;
  if (!actor) {
    throw forbidden('Authentication required');
  }
  return actor;
}
