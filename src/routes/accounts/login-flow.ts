/**
 * Logging in and out, shared by the page and the ajax routes: throttling, the backends,
 * the session (a fresh id at login, destroyed at logout) and the webui-access.log lines.
 */
import type { Context } from 'koa';
import { loggedInLine, loggedOutLine, loginFailedLine, type AccessFacts, type LoginFailureReason } from '../../auth/access-log.js';
import { authenticate, touchLastLogin } from '../../auth/authenticate.js';
import { pruneExpiredSessions } from '../../auth/session-store.js';
import { loginRetryAfter, recordLoginFailure } from '../../auth/throttle.js';
import type { User } from '../../db/models/index.js';
import { accountState } from '../../middlewares/state.js';
import { check } from '../../validation/validate.js';
import { credentials, MAX_USERNAME } from './forms.js';
import type { RouteContext } from '../../app-context.js';

/** How a login attempt ended. */
export type LoginResult =
  | { kind: 'ok'; user: User }
  | { kind: 'failed'; reason: Exclude<LoginFailureReason, 'too many failed logins'> }
  | { kind: 'invalid'; message: string }
  | { kind: 'throttled'; retryAfter: number };

/** The longest username a log line carries (a refused one may be up to the body limit). */
const LOGGED_USERNAME = MAX_USERNAME + 10;

function facts(ctx: Context, username: string): AccessFacts {
  return { username: username.slice(0, LOGGED_USERNAME), ip: accountState(ctx).clientIp, referer: ctx.get('Referer') || undefined };
}

/** Session data of a logged-in user. */
interface LoginSession {
  uid?: number;
  at?: number;
  isNew?: boolean;
  regenerate(): Promise<void>;
}

/**
 * Tries to log in with the credentials of a body (both given as non-empty strings); on success
 * the session belongs to the user (with a fresh id). Credentials no account can have (control
 * characters, too long) are refused as `invalid`, but like any failure they are throttled,
 * counted and written to webui-access.log, so that Fail2Ban sees them.
 */
export async function attemptLogin(ctx: Context, env: RouteContext, given: { username: string; password: string }): Promise<LoginResult> {
  const { settings: s, log, writeLine } = env;
  const valid = check(credentials, given, 'body');
  const { username, password } = given;
  const f = facts(ctx, username);
  // a username no account can have is counted under '' (per IP, and all such together)
  const who = { username: valid.ok || isUsernameValid(username) ? username : '', ip: f.ip };
  const retryAfter = await loginRetryAfter(env.models, s, who);
  if (retryAfter > 0) {
    await writeLine('webui-access', loginFailedLine(f, 'too many failed logins'));
    log.warning(`Login of "${f.username}" from ${f.ip} refused: too many failed logins (retry after ${retryAfter} s)`);
    ctx.set('Retry-After', String(retryAfter));
    return { kind: 'throttled', retryAfter };
  }
  if (!valid.ok) {
    await recordLoginFailure(env.models, s, who);
    await writeLine('webui-access', loginFailedLine(f, who.username === '' ? 'the username does not exist' : 'incorrect password'));
    return { kind: 'invalid', message: valid.message };
  }
  const outcome = await authenticate(env.models, s, log, username, password, f.ip);
  if (!outcome.ok) {
    await recordLoginFailure(env.models, s, who);
    await writeLine('webui-access', loginFailedLine(f, outcome.reason));
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
  await writeLine('webui-access', loggedInLine(f));
  return { kind: 'ok', user: outcome.user };
}

/** Logs out the session's user (if any): the session row is destroyed, the cookie cleared. */
export async function logout(ctx: Context, env: RouteContext): Promise<void> {
  const actor = accountState(ctx).actor;
  if (actor) {
    await env.writeLine('webui-access', loggedOutLine(facts(ctx, actor.username)));
  }
  ctx.session = null;
}

function isUsernameValid(username: string): boolean {
  return credentials.shape.username.safeParse(username).success;
}

/** The text shown when an attempt is throttled. */
export function throttledText(retryAfter: number): string {
  return `Too many failed logins: try again in ${retryAfter} seconds.`;
}
