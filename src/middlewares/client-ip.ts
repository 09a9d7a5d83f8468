import type { Context, Next } from 'koa';
import { clientIp, isTrustedProxy } from '../http/client-ip.js';
import { setClientIp } from '../http/remote-user.js';
import type { Settings } from '../settings/schema.js';
import { accountState } from './state.js';

type ProxySettings = Pick<Settings, 'USE_REVERSE_PROXY' | 'FORWARDED_ALLOW_IPS'>;

/** Whether the peer is a proxy whose X-Forwarded-* headers we believe. */
export function fromTrustedProxy(ctx: Context, s: ProxySettings): boolean {
  return s.USE_REVERSE_PROXY && isTrustedProxy(ctx.req.socket.remoteAddress ?? '', s.FORWARDED_ALLOW_IPS);
}

/** HTTPS directly, or X-Forwarded-Proto: https from a trusted proxy. */
export function requestIsSecure(ctx: Context, s: ProxySettings): boolean {
  if ((ctx.req.socket as { encrypted?: boolean }).encrypted) {
    return true;
  }
  const proto = ctx.get('X-Forwarded-Proto').split(',')[0]?.trim().toLowerCase();
  return proto === 'https' && fromTrustedProxy(ctx, s);
}

/**
 * Settles who the client is: the peer, or the right-most untrusted X-Forwarded-For hop when
 * the peer is a trusted proxy (never the left-most, which the client writes itself).
 */
export function clientIpMiddleware(s: ProxySettings) {
  const opts = { useReverseProxy: s.USE_REVERSE_PROXY, trusted: s.FORWARDED_ALLOW_IPS };
  return async function resolveClient(ctx: Context, next: Next): Promise<void> {
    const ip = clientIp(ctx.req.socket.remoteAddress ?? '-', ctx.get('X-Forwarded-For') || undefined, opts);
    const state = accountState(ctx);
    state.clientIp = ip;
    state.secure = requestIsSecure(ctx, s);
    setClientIp(ctx.req, ip);
    await next();
  };
}
