/** The plain HTML of the account pages (the web-pages issue styles them). */

/** Escapes text for HTML element content and attribute values. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c] as string));
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)} | OpenQuake Engine</title></head>
<body>
<main>
<h1>${esc(title)}</h1>
${body}
</main>
</body>
</html>
`;
}

function errorList(errors: string[]): string {
  return errors.length === 0 ? '' : `<ul class="errorlist">${errors.map((e) => `<li>${esc(e)}</li>`).join('')}</ul>\n`;
}

/** The login form; `next` is carried through a hidden field. */
export function loginPage(opts: { action: string; next: string; username?: string; errors?: string[] }): string {
  return page('Log in', `${errorList(opts.errors ?? [])}<form method="post" action="${esc(opts.action)}">
<p><label for="id_username">Username:</label> <input type="text" name="username" id="id_username" autocomplete="username" autofocus required maxlength="150" value="${esc(opts.username ?? '')}"></p>
<p><label for="id_password">Password:</label> <input type="password" name="password" id="id_password" autocomplete="current-password" required></p>
<input type="hidden" name="next" value="${esc(opts.next)}">
<p><button type="submit">Log in</button></p>
</form>`);
}

/** Logout asks for a POST (a GET must not change state: a link on another site could log you out). */
export function logoutPage(opts: { action: string; username: string }): string {
  return page('Log out', `<p>Logged in as ${esc(opts.username)}.</p>
<form method="post" action="${esc(opts.action)}"><p><button type="submit">Log out</button></p></form>`);
}

/** The password change form. */
export function passwordChangePage(opts: { action: string; errors?: string[] }): string {
  return page('Password change', `${errorList(opts.errors ?? [])}<p>Please enter your old password, for security's sake, and then enter your new password twice so we can verify you typed it in correctly.</p>
<form method="post" action="${esc(opts.action)}">
<p><label for="id_old_password">Old password:</label> <input type="password" name="old_password" id="id_old_password" autocomplete="current-password" required></p>
<p><label for="id_new_password1">New password:</label> <input type="password" name="new_password1" id="id_new_password1" autocomplete="new-password" required></p>
<p><label for="id_new_password2">New password confirmation:</label> <input type="password" name="new_password2" id="id_new_password2" autocomplete="new-password" required></p>
<p><button type="submit">Change my password</button></p>
</form>`);
}

/** After a successful password change. */
export function passwordChangeDonePage(): string {
  return page('Password change successful', '<p>Your password was changed.</p>');
}
