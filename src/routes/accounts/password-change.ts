import type Router from '@koa/router';
import type { Context } from 'koa';
import { loginFailedLine } from '../../auth/access-log.js';
import { checkPassword } from '../../auth/accounts.js';
import { hashPassword, UNUSABLE_PASSWORD_PREFIX, verifyPassword } from '../../auth/passwords.js';
import { destroyUserSessions } from '../../auth/session-store.js';
import { loginRetryAfter, recordLoginFailure } from '../../auth/throttle.js';
import { findUser, setPasswordHash } from '../../data/users.js';
import { HttpError } from '../../errors.js';
import { bodyOf } from '../../middlewares/body.js';
import { accountState, actorOf } from '../../middlewares/state.js';
import { check } from '../../validation/validate.js';
import { passwordChange } from './forms.js';
import { throttledText } from './login-flow.js';
import { chromeOf } from '../pages/layout.js';
import { passwordChangeDonePage, passwordChangePage } from './pages.js';
import type { RouteContext } from '../../app-context.js';

/** Django's PasswordChangeForm messages. */
const OLD_WRONG = 'Your old password was entered incorrectly. Please enter it again.';
const MISMATCH = 'The two password fields didn’t match.';
const NOT_LOCAL = 'This account has no local password: its password is managed by the system (PAM).';

/** JSON in, JSON out; a form gets pages. */
function wantsJson(ctx: Context): boolean {
  return ctx.is('json') === 'json' || ctx.accepts('html', 'json') === 'json';
}

/** Adds GET/POST /password_change/ and GET /password_change/done/ to the accounts router. */
export function passwordChangeRoutes(router: Router, env: RouteContext): void {
  const s = env.settings;
  const action = `${s.WEBUI_PATHPREFIX}/accounts/password_change/`;

  router.get('/accounts/password_change/', function showPasswordChange(ctx) {
    actorOf(ctx);
    ctx.type = 'html';
    ctx.body = passwordChangePage(chromeOf(ctx), { action });
  });

  router.get('/accounts/password_change/done/', function passwordChangeDone(ctx) {
    actorOf(ctx);
    ctx.type = 'html';
    ctx.body = passwordChangeDonePage(chromeOf(ctx));
  });

  router.post('/accounts/password_change/', async function changePassword(ctx) {
    const actor = actorOf(ctx);
    const json = wantsJson(ctx);
    const refuse = (status: number, errors: string[]): void => {
      ctx.status = status;
      if (json) {
        ctx.body = { error: errors.join(' '), problems: errors };
      } else {
        ctx.type = 'html';
        ctx.body = passwordChangePage(chromeOf(ctx), { action, errors });
      }
    };
    const fields = check(passwordChange, bodyOf(ctx), 'body');
    if (!fields.ok) {
      refuse(400, [fields.message]);
      return;
    }
    const { old_password: oldPassword, new_password1: new1, new_password2: new2 } = fields.data;
    const user = await findUser(env.models, accountState(ctx).userId ?? -1);
    if (!user) {
      refuse(403, ['Authentication required']);
      return;
    }
    if (!user.password || user.password.startsWith(UNUSABLE_PASSWORD_PREFIX)) {
      refuse(400, [NOT_LOCAL]);
      return;
    }
    const who = { username: actor.username, ip: accountState(ctx).clientIp };
    // guessing the old password through a stolen session is throttled like logins
    const retryAfter = await loginRetryAfter(env.models, s, who);
    if (retryAfter > 0) {
      ctx.set('Retry-After', String(retryAfter));
      refuse(429, [throttledText(retryAfter)]);
      return;
    }
    if (!(await verifyPassword(oldPassword, user.password)).ok) {
      await recordLoginFailure(env.models, s, who);
      await env.writeLine('webui-access', loginFailedLine({ ...who, referer: ctx.get('Referer') || undefined }, 'incorrect password'));
      refuse(400, [OLD_WRONG]);
      return;
    }
    if (new1 !== new2) {
      refuse(400, [MISMATCH]);
      return;
    }
    try {
      checkPassword(new1, { username: user.username, email: user.email });
    } catch (e) {
      const problems = ((e as HttpError).body as { problems?: string[] } | undefined)?.problems ?? [(e as Error).message];
      refuse(400, problems);
      return;
    }
    await setPasswordHash(env.models, user.id, await hashPassword(new1));
    // every other session of this user ends; this one goes on under a new id
    await destroyUserSessions(env.models, user.id);
    await (ctx.session as unknown as { regenerate(): Promise<void> }).regenerate();
    env.log.info(`User "${user.username}" changed their password`);
    if (json) {
      ctx.body = { success: 'Your password was changed.' };
    } else {
      ctx.redirect(`${action}done/`);
    }
  });
}
