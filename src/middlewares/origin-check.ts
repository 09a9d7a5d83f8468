import type { Context, Next } from 'koa';
import { forbidden } from '../errors.js';
import type { Settings } from '../settings/schema.js';
import { fromTrustedProxy } from '../http/client-ip.js';
import { SESSION_COOKIE } from './session.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** host[:port] in lowercase, without the default ports. */
function normalHost(host: string): string {
  return host.trim().toLowerCase().replace(/:(80|443)$/, '');
}

/** The host[:port] of an Origin or Referer value, or null when it names none ("null", junk). */
function hostOf(source: string): string | null {
  try {
    const u = new URL(source);
    return u.host ? normalHost(u.host) : null;
  } catch {
    return null;
  }
}

/**
 * Cross-site request forgery guard: a state-changing request is refused (403) when its Origin,
 * or else its Referer, names another site than the Host it was sent to, or its browser says
 * `Sec-Fetch-Site: cross-site`. Under LOCKDOWN only requests with the session cookie need it
 * (the others are anonymous); with LOCKDOWN off every caller acts as DEFAULT_USER, so any page
 * the local user opens could otherwise run or remove calculations. Requests without these
 * headers (scripts, curl, the engine's WebExtractor) pass: a browser page cannot forge them.
 */
export function originCheck(s: Pick<Settings, 'USE_REVERSE_PROXY' | 'FORWARDED_ALLOW_IPS' | 'LOCKDOWN'>) {
  return function checkOrigin(ctx: Context, next: Next): Promise<unknown> {
    if (!SAFE_METHODS.has(ctx.method) && (!s.LOCKDOWN || ctx.cookies.get(SESSION_COOKIE))) {
      refuseCrossSite(ctx, s);
    }
    return next();
  };
}

/**
 * 403 when the request's Origin, or else its Referer, names another site than the Host it was
 * sent to. The login routes call it even without a session cookie (login CSRF: a page elsewhere
 * must not log a visitor in as someone else).
 */
export function refuseCrossSite(ctx: Context, s: Pick<Settings, 'USE_REVERSE_PROXY' | 'FORWARDED_ALLOW_IPS'>): void {
  const source = ctx.get('Origin') || ctx.get('Referer');
  if (source) {
    const ours = new Set([ctx.get('Host')]);
    const proxied = fromTrustedProxy(ctx, s);
    if (proxied && ctx.get('X-Forwarded-Host')) {
      ours.add(ctx.get('X-Forwarded-Host').split(',')[0]);
    }
    const theirs = hostOf(source);
    // a proxy set up with `Host $host` (nginx) drops the port: then the host name alone must match (the shipped site sends $http_host)
    const same = (h: string): boolean => normalHost(h) === theirs || (proxied && !/:\d+$/.test(h) && theirs?.replace(/:\d+$/, '') === normalHost(h));
    if (theirs === null || ![...ours].some((h) => h && same(h))) {
      throw forbidden(`Forbidden: cross-site request refused (${ctx.get('Origin') ? 'Origin' : 'Referer'} does not match this site)`);
    }
  } else if (ctx.get('Sec-Fetch-Site') === 'cross-site') {
    // a browser that sent neither header still says where the request comes from
    throw forbidden('Forbidden: cross-site request refused (Sec-Fetch-Site: cross-site)');
  }
}
