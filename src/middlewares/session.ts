/**
 * Login sessions (LOCKDOWN on): koa-session with the database store (src/auth/session-store.ts).
 * The cookie holds only the session id, signed with SECRET_KEY through Koa's ctx.cookies
 * (Keygrip), HttpOnly, SameSite=Lax, Secure over HTTPS (directly or per a trusted proxy), on
 * the WebUI's path.
 */
import { randomBytes } from 'node:crypto';
import type Koa from 'koa';
import type { Context, Next } from 'koa';
import createSession from 'koa-session';
import { LRUCache } from 'lru-cache';
import { databaseSessionStore } from '../auth/session-store.js';
import type { AccountModels } from '../db/models/index.js';
import type { Settings } from '../settings/schema.js';
import { accountState } from './state.js';

/** The session cookie's name (Django's). */
export const SESSION_COOKIE = 'sessionid';

/** Session cookies whose signature Keygrip has checked, remembered per worker. */
const VERIFIED_MAX = 10_000;

/**
 * koa-session's `externalKey`: the signed cookie read through ctx.cookies (Keygrip), as koa-session
 * does by default, except that a (value, signature) pair Keygrip accepted once is not checked
 * again: a logged-in browser sends the same pair on every request (docs/performance.md).
 */
function sessionCookie() {
  const verified = new LRUCache<string, true>({ max: VERIFIED_MAX });
  return {
    get(ctx: Context): string {
      const value = ctx.cookies.get(SESSION_COOKIE, { signed: false });
      const sig = ctx.cookies.get(`${SESSION_COOKIE}.sig`, { signed: false });
      if (value === undefined || sig === undefined) {
        return '';
      }
      const pair = `${value}\n${sig}`;
      if (verified.has(pair)) {
        return value;
      }
      const checked = ctx.cookies.get(SESSION_COOKIE, { signed: true });
      if (checked === value) {
        verified.set(pair, true);
      }
      return checked ?? '';
    },
    set(ctx: Context, key: string): void {
      // koa-session's own write: its options (name, flags, path, age) for this request
      ctx.cookies.set(SESSION_COOKIE, key, ctx.sessionOptions);
    },
  };
}

/** Login sessions with the database store. */
export function sessionMiddleware(app: Koa, s: Pick<Settings, 'SESSION_COOKIE_AGE' | 'WEBUI_PATHPREFIX'>, models: AccountModels, secretKey: string) {
  app.keys = [secretKey];
  const inner = createSession({
    key: SESSION_COOKIE,
    maxAge: s.SESSION_COOKIE_AGE * 1000,
    httpOnly: true,
    sameSite: 'lax',
    signed: true,
    rolling: false,
    renew: false,
    store: databaseSessionStore(models),
    externalKey: sessionCookie(),
    genid: () => randomBytes(32).toString('base64url'),
    // passed through to the cookie: the session belongs to this WebUI only
    ...({ path: s.WEBUI_PATHPREFIX || '/' } as object),
  }, app);
  return async function sessions(ctx: Context, next: Next): Promise<void> {
    if (accountState(ctx).secure) {
      // lets the cookies module mark the cookie Secure behind a TLS-terminating proxy
      (ctx.cookies as unknown as { secure: boolean }).secure = true;
    }
    await inner(ctx, next);
  };
}
