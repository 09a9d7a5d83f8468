/**
 * Logging in and out, shared by the page and the ajax routes: throttling, the backends,
 * the session (a fresh id at login, destroyed at logout) and the webui-access.log lines.
 */
import type { Context } from 'koa';
import { loggedInLine, loggedOutLine, loginFailedLine, type AccessFacts, type LoginFailureReason } from '../../auth/access-log.js';
import { authenticate, touchLastLogin } from '../../auth/authenticate.js';
import { pruneExpiredSessions } from '../../auth/session-store.js';
import { loginRetryAfter, recordLoginFailure } from '../../auth/throttle.js';
import type { User } from '../../models/index.js';
import { accountState } from '../../middlewares/state.js';
import type { AccountsEnv } from './env.js';

/** How a login attempt ended. */
export type LoginResult =
  | { kind: 'ok'; user: User }
  | { kind: 'failed'; reason: Exclude<LoginFailureReason, 'too many failed logins'> }
  | { kind: 'throttled'; retryAfter: number };

function facts(ctx: Context, username: string): AccessFacts {
  return { username, ip: accountState(ctx).clientIp, referer: ctx.get('Referer') || undefined };
}

/** Session data of a logged-in user. */
interface LoginSession {
  uid?: number;
  at?: number;
  isNew?: boolean;
  regenerate(): Promise<void>;
}

/** Tries to log in; on success the session belongs to the user (with a fresh id). */
export async function attemptLogin(ctx: Context, env: AccountsEnv, username: string, password: string): Promise<LoginResult> {
  const { settings: s, log, writeLine } = env.deps;
  const f = facts(ctx, username);
  const retryAfter = await loginRetryAfter(env.models, s, f.ip);
  if (retryAfter > 0) {
    writeLine('webui-access', loginFailedLine(f, 'too many failed logins'));
    log.warning(`Login of "${username}" from ${f.ip} refused: too many failed logins (retry after ${retryAfter} s)`);
    ctx.set('Retry-After', String(retryAfter));
    return { kind: 'throttled', retryAfter };
  }
  const outcome = await authenticate(env.models, s, log, username, password, f.ip);
  if (!outcome.ok) {
    await recordLoginFailure(env.models, s, f.ip);
    writeLine('webui-access', loginFailedLine(f, outcome.reason));
    return { kind: 'failed', reason: outcome.reason };
  }
  await touchLastLogin(env.models, outcome.user);
  const session = ctx.session as unknown as LoginSession;
  const hadSession = !session.isNew;
  session.uid = outcome.user.id;
  session.at = Date.now();
  if (hadSession) {
    // a new id for the new login; an id nobody knew is already fresh (unknown ids are never adopted)
    await session.regenerate();
  }
  await pruneExpiredSessions(env.models);
  writeLine('webui-access', loggedInLine(f));
  return { kind: 'ok', user: outcome.user };
}

/** Logs out the session's user (if any): the session row is destroyed, the cookie cleared. */
export function logout(ctx: Context, env: AccountsEnv): void {
  const actor = accountState(ctx).actor;
  if (actor) {
    env.deps.writeLine('webui-access', loggedOutLine(facts(ctx, actor.username)));
  }
  ctx.session = null;
}

/** The text shown when an IP is throttled. */
export function throttledText(retryAfter: number): string {
  return `Too many failed logins: try again in ${retryAfter} seconds.`;
}
