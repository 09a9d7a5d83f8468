import type { Context, Next } from 'koa';
import type { Settings } from '../settings/schema.js';
import { accountState } from './state.js';

/** Django's redirect_to_login: `next` quoted, slashes kept. */
export function loginRedirect(loginUrl: string, next: string): string {
  const sep = loginUrl.includes('?') ? '&' : '?';
  return `${loginUrl}${sep}next=${encodeURIComponent(next).replace(/%2F/gi, '/')}`;
}

/**
 * LOCKDOWN on: a request without a logged-in user gets 403 with an empty body under /v1/,
 * and a 302 to LOGIN_URL?next=... anywhere else. The login routes and static files are exempt.
 */
export function lockdownGate(s: Pick<Settings, 'WEBUI_PATHPREFIX' | 'LOGIN_URL'>) {
  const p = s.WEBUI_PATHPREFIX;
  const loginPath = s.LOGIN_URL.split('?')[0];
  const exact = new Set([`${p}/accounts/login/`, `${p}/accounts/ajax_login/`, loginPath]);
  // not async: a logged-in request only passes through
  return function requireLogin(ctx: Context, next: Next): Promise<unknown> | undefined {
    if (accountState(ctx).actor || exact.has(ctx.path) || ctx.path.startsWith(`${p}/static/`)) {
      return next();
    }
    if (ctx.path.startsWith(`${p}/v1/`)) {
      ctx.status = 403;
      // as Django's HttpResponseForbidden: an empty text/html body
      ctx.type = 'text/html';
      ctx.body = '';
      return undefined;
    }
    ctx.redirect(loginRedirect(s.LOGIN_URL, ctx.url));
    return undefined;
  };
}
