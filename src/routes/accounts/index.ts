/**
 * /accounts/ (LOCKDOWN on): the login and logout pages, the original's ajax_login and
 * ajax_logout (same status codes and texts), and password_change for the logged-in user.
 */
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { bodyOf, smallBody } from '../../middlewares/body.js';
import { refuseCrossSite } from '../../middlewares/origin-check.js';
import { accountState } from '../../middlewares/state.js';
import { check } from '../../validation/validate.js';
import { credentialsGiven, MAX_USERNAME, nextField } from './forms.js';
import { attemptLogin, logout, throttledText, type LoginResult } from './login-flow.js';
import { chromeOf } from '../pages/layout.js';
import { loginPage, logoutPage } from './pages.js';
import { passwordChangeRoutes } from './password-change.js';
import type { RouteContext } from '../../app-context.js';

/** Django's AuthenticationForm messages. */
const INVALID_LOGIN = 'Please enter a correct username and password. Note that both fields may be case-sensitive.';
const INACTIVE = 'This account is inactive.';

/** A `next` that stays on this site: a path, never `//host` or a scheme. */
export function safeNext(next: string | undefined, fallback: string): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || /[\r\n]/.test(next)) {
    return fallback;
  }
  return next;
}

function text(ctx: Context, status: number, body: string): void {
  ctx.status = status;
  ctx.type = 'text/plain';
  ctx.body = body;
}

/** The /accounts/ router. */
export function accountsRoutes(env: RouteContext): Router {
  const s = env.settings;
  const p = s.WEBUI_PATHPREFIX;
  // full paths, not Router({ prefix }): app.ts's router.prefix(WEBUI_PATHPREFIX) replaces a prefix
  const router = new Router();
  router.use(smallBody());

  router.get('/accounts/login/', function showLogin(ctx) {
    ctx.type = 'html';
    ctx.body = loginPage(chromeOf(ctx), { action: `${p}/accounts/login/`, next: safeNext(ctx.query.next as string | undefined, s.LOGIN_REDIRECT_URL) });
  });

  // login CSRF: a page elsewhere must not log the visitor in as someone else
  const sameSite = async (ctx: Context, next: Next): Promise<void> => {
    refuseCrossSite(ctx, s);
    await next();
  };

  router.post('/accounts/login/', sameSite, async function pageLogin(ctx) {
    const body = bodyOf(ctx);
    const given = check(credentialsGiven, body, 'body');
    const nextGiven = check(nextField, body, 'body');
    const next = safeNext((nextGiven.ok ? nextGiven.data.next : undefined) ?? (ctx.query.next as string | undefined), s.LOGIN_REDIRECT_URL);
    const username = typeof body.username === 'string' ? body.username.slice(0, MAX_USERNAME) : '';
    const form = (status: number, error: string): void => {
      ctx.status = status;
      ctx.type = 'html';
      ctx.body = loginPage(chromeOf(ctx), { action: `${p}/accounts/login/`, next, username, errors: [error] });
    };
    if (!given.ok) {
      form(400, INVALID_LOGIN);
      return;
    }
    const r: LoginResult = await attemptLogin(ctx, env, given.data);
    if (r.kind === 'ok') {
      ctx.redirect(next);
    } else if (r.kind === 'throttled') {
      form(429, throttledText(r.retryAfter));
    } else if (r.kind === 'invalid') {
      form(400, INVALID_LOGIN);
    } else {
      form(200, r.reason === 'disabled account' ? INACTIVE : INVALID_LOGIN);
    }
  });

  router.get('/accounts/logout/', function showLogout(ctx) {
    ctx.type = 'html';
    ctx.body = logoutPage(chromeOf(ctx), { action: `${p}/accounts/logout/`, username: accountState(ctx).actor?.username ?? '' });
  });

  router.post('/accounts/logout/', async function pageLogout(ctx) {
    await logout(ctx, env);
    ctx.redirect(s.LOGOUT_REDIRECT_URL);
  });

  router.post('/accounts/ajax_login/', sameSite, async function ajaxLogin(ctx) {
    const given = check(credentialsGiven, bodyOf(ctx), 'body');
    if (!given.ok) {
      text(ctx, 400, 'Missing username or password');
      return;
    }
    const r = await attemptLogin(ctx, env, given.data);
    if (r.kind === 'ok') {
      text(ctx, 200, 'Successful login');
    } else if (r.kind === 'throttled') {
      text(ctx, 429, throttledText(r.retryAfter));
    } else if (r.kind === 'invalid') {
      text(ctx, 400, r.message);
    } else {
      text(ctx, 403, r.reason === 'disabled account' ? 'Disabled account' : 'Invalid login');
    }
  });

  router.post('/accounts/ajax_logout/', async function ajaxLogout(ctx) {
    await logout(ctx, env);
    text(ctx, 200, 'Successful logout');
  });

  passwordChangeRoutes(router, env);
  return router;
}
