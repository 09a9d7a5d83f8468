/**
 * The layout of every page (calculations, outputs, admin, account pages): header with the
 * server name, "Hello, <username>", logout, Admin and Help links; footer with the engine version
 * and the License link. Pages are HTML shells; src/client/ fills them from the JSON API.
 */
import { hostname } from 'node:os';
import type { Context, Next } from 'koa';
import { accountState } from '../../middlewares/state.js';
import { mayAdminister } from '../../policies/admin.js';
import type { Settings } from '../../settings/schema.js';
import type { Assets } from './assets.js';
import { html, type SafeHtml } from './html.js';

/** What the layout needs to know of the request. */
export interface PageChrome {
  prefix: string;
  serverName: string;
  lockdown: boolean;
  /** The logged-in user (LOCKDOWN on), else null. */
  username: string | null;
  mayAdminister: boolean;
  assets: Assets;
}

/** The pages' shared settings and assets, put in ctx.state by pageHeaders(). */
export interface PagesState {
  settings: Settings;
  assets: Assets;
}

/**
 * Our Content-Security-Policy: scripts, styles, images and fetches only from this site, no
 * inline scripts or styles, no framing, forms only to this site.
 */
export const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

/**
 * Keeps the pages' settings and assets in ctx.state and gives every HTML response (pages, account pages,
 * errors) the security headers: the CSP, no sniffing, no framing, same-origin referrers.
 */
export function pageHeaders(env: PagesState) {
  const api = `${env.settings.WEBUI_PATHPREFIX}/v1/`;
  const withHeaders = async (ctx: Context, next: Next): Promise<void> => {
    (ctx.state as { pages?: PagesState }).pages = env;
    await next();
    // the header itself, not ctx.is(): type-is on every response showed in the API's profile
    if (/^text\/html\b/i.test(String(ctx.response.get('Content-Type')))) {
      ctx.set('Content-Security-Policy', CSP);
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.set('X-Frame-Options', 'DENY');
      ctx.set('Referrer-Policy', 'same-origin');
      if (!ctx.response.get('Cache-Control')) {
        ctx.set('Cache-Control', 'no-cache, private');
      }
    }
  };
  // the API answers JSON and text, never a page: passed on as it is
  return function securePages(ctx: Context, next: Next): Promise<unknown> {
    return ctx.path.startsWith(api) ? next() : withHeaders(ctx, next);
  };
}

/** The layout facts of this request (the route runs behind the actor middleware). */
export function chromeOf(ctx: Context): PageChrome {
  const env = (ctx.state as { pages?: PagesState }).pages;
  if (!env) {
    throw new Error('pageHeaders() is not installed');
  }
  const s = env.settings;
  const actor = accountState(ctx).actor;
  return {
    prefix: s.WEBUI_PATHPREFIX,
    serverName: s.SERVER_NAME || hostname(),
    lockdown: s.LOCKDOWN,
    username: s.LOCKDOWN && actor ? actor.username : null,
    mayAdminister: s.LOCKDOWN && actor !== null && mayAdminister(actor),
    assets: env.assets,
  };
}

/** What one page puts in the layout. */
export interface PageSpec {
  title: string;
  main: SafeHtml;
  /** The client module that runs on the page (document.body.dataset.page); none for plain pages. */
  page?: string;
  /** More data-* attributes of <body> for the client (names without `data-`). */
  data?: Record<string, string>;
  /** The current section for the navigation: 'engine' or 'admin'. */
  section?: 'engine' | 'admin' | 'accounts';
}

/** The whole HTML document of a page. */
export function renderPage(c: PageChrome, spec: PageSpec): string {
  const p = c.prefix;
  const data = { prefix: p, ...(spec.page ? { page: spec.page } : {}), ...(spec.data ?? {}) };
  // camelCase keys become data-kebab-case attributes (the client reads them as dataset.camelCase)
  const attrs = Object.entries(data).map(([k, v]) => html` data-${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}="${v}"`);
  const current = (section: string) => (spec.section === section ? html` aria-current="page"` : '');
  const user = c.username === null ? '' : html`
    <div class="user">
      <span class="hello">Hello, ${c.username}</span>
      <a href="${p}/accounts/password_change/">Change password</a>
      <form method="post" action="${p}/accounts/logout/" class="inline"><button type="submit" class="link-button">Log out</button></form>
    </div>`;
  // the client fills it from /v1/engine_version, which under LOCKDOWN answers only after a login (403 before, as in the original)
  const version = c.lockdown && c.username === null ? '' : html` <span id="engine-version">version …</span>`;
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${spec.title} | OpenQuake Engine (${c.serverName})</title>
<link rel="stylesheet" href="${c.assets.url('style.css')}">
<link rel="icon" href="${c.assets.url('favicon.svg')}" type="image/svg+xml">
<script src="${c.assets.url('app.js')}" defer></script>
</head>
<body${attrs}>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
  <div class="brand"><a href="${p}/engine/"><img src="${c.assets.url('logo.svg')}" alt="" width="28" height="28"> OpenQuake Engine</a> <span class="server-name">${c.serverName}</span></div>
  <nav aria-label="Main">
    <a href="${p}/engine/"${current('engine')}>Calculations</a>
    ${c.mayAdminister ? html`<a href="${p}/admin/"${current('admin')}>Admin</a>` : ''}
    <a href="https://docs.openquake.org/oq-engine/manual/latest/" rel="noopener">Help</a>
  </nav>${user}
</header>
<main id="main" tabindex="-1">
<h1>${spec.title}</h1>
${spec.main}
</main>
<footer class="site">
  <span>OpenQuake Engine${version}</span>
  <a href="${p}/engine/license">License</a>
</footer>
</body>
</html>
`.text;
}

/** Answers with a page. */
export function sendPage(ctx: Context, spec: PageSpec, status = 200): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = renderPage(chromeOf(ctx), spec);
}
