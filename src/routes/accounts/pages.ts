/** The HTML of the account pages, in the pages' layout. */
import { raw } from '../pages/html.js';
import { renderPage, type PageChrome } from '../pages/layout.js';

/** Escapes text for HTML element content and attribute values. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c] as string));
}

/** An account page in the pages' layout (src/routes/pages/layout.ts). */
function page(chrome: PageChrome, title: string, body: string): string {
  return renderPage(chrome, { title, section: 'accounts', main: raw(`<div class="account-box">\n${body}\n</div>`) });
}

function errorList(errors: string[]): string {
  return errors.length === 0 ? '' : `<div role="alert"><ul class="errorlist">${errors.map((e) => `<li>${esc(e)}</li>`).join('')}</ul></div>\n`;
}

/** The login form; `next` is carried through a hidden field. */
export function loginPage(chrome: PageChrome, opts: { action: string; next: string; username?: string; errors?: string[] }): string {
  return page(chrome, 'Log in', `${errorList(opts.errors ?? [])}<form method="post" action="${esc(opts.action)}">
<p><label for="id_username">Username:</label> <input type="text" name="username" id="id_username" autocomplete="username" autofocus required maxlength="150" value="${esc(opts.username ?? '')}"></p>
<p><label for="id_password">Password:</label> <input type="password" name="password" id="id_password" autocomplete="current-password" required></p>
<input type="hidden" name="next" value="${esc(opts.next)}">
<p><button type="submit" class="primary">Log in</button></p>
</form>`);
}

/** Logout asks for a POST (a GET must not change state: a link on another site could log you out). */
export function logoutPage(chrome: PageChrome, opts: { action: string; username: string }): string {
  return page(chrome, 'Log out', `<p>Logged in as ${esc(opts.username)}.</p>
<form method="post" action="${esc(opts.action)}"><p><button type="submit">Log out</button></p></form>`);
}

/** The password change form. */
export function passwordChangePage(chrome: PageChrome, opts: { action: string; errors?: string[] }): string {
  return page(chrome, 'Password change', `${errorList(opts.errors ?? [])}<p>Please enter your old password, for security's sake, and then enter your new password twice so we can verify you typed it in correctly.</p>
<form method="post" action="${esc(opts.action)}">
<p><label for="id_old_password">Old password:</label> <input type="password" name="old_password" id="id_old_password" autocomplete="current-password" required></p>
<p><label for="id_new_password1">New password:</label> <input type="password" name="new_password1" id="id_new_password1" autocomplete="new-password" required></p>
<p><label for="id_new_password2">New password confirmation:</label> <input type="password" name="new_password2" id="id_new_password2" autocomplete="new-password" required></p>
<p><button type="submit" class="primary">Change my password</button></p>
</form>`);
}

/** After a successful password change. */
export function passwordChangeDonePage(chrome: PageChrome): string {
  return page(chrome, 'Password change successful', '<p>Your password was changed.</p>');
}
