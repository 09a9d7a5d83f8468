/**
 * Who the client is: the socket peer, or, when the peer is a trusted reverse proxy, the
 * right-most X-Forwarded-For hop that is not a trusted proxy (never the left-most, which the
 * client writes itself). The walk and the subnet matching are the `proxy-addr` package's
 * (Express's); around it, addresses are normalised first (ports, brackets, zone ids, IPv4-mapped
 * IPv6), "*" trusts every peer, and a hop that is not an IP makes the peer the answer.
 * Also the koa middleware that settles it for each request.
 */
import { isIP } from 'node:net';
import type { Context, Next } from 'koa';
import proxyaddr from 'proxy-addr';
import type { Settings } from '../settings/schema.js';
import { accountState } from '../middlewares/state.js';
import { setClientIp } from './remote-user.js';

/** How far to trust the peer and X-Forwarded-For. */
export interface ClientIpOptions {
  /** Honour X-Forwarded-For at all. */
  useReverseProxy: boolean;
  /** Trusted proxies: IPs (v4/v6), CIDR subnets ("10.0.0.0/8", "fd00::/8") or "*" for all. */
  trusted: string[];
}

type TrustTest = (address: string, hop: number) => boolean;

const trustCache = new WeakMap<string[], TrustTest>();

/**
 * A bare, canonical IP from "1.2.3.4", "1.2.3.4:80", "[::1]:80", "::ffff:1.2.3.4"
 * or "fe80::1%eth0"; null when it is not an IP address.
 */
export function normalizeAddress(raw: string): string | null {
  let address = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  const ipv4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(address);
  if (bracketed) {
    address = bracketed[1];
  } else if (ipv4WithPort) {
    address = ipv4WithPort[1];
  }
  address = address.replace(/%.*$/, '').toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  if (mapped) {
    address = mapped[1];
  }
  return isIP(address) === 0 ? null : address;
}

/** The trust test of a list (compiled once per list); throws a TypeError naming a bad entry. */
function trustTestFor(trusted: string[]): TrustTest {
  let test = trustCache.get(trusted);
  if (!test) {
    const entries = trusted.map((entry) => entry.trim()).filter((entry) => entry !== '');
    if (entries.includes('*')) {
      test = () => true;
    } else {
      for (const entry of entries) {
        try {
          proxyaddr.compile(entry);
        } catch (e) {
          throw new TypeError(`invalid trusted proxy "${entry}": expected "*", an IP address or a CIDR subnet (${(e as Error).message})`);
        }
      }
      test = proxyaddr.compile(entries);
    }
    trustCache.set(trusted, test);
  }
  return test;
}

/**
 * The client address: the socket peer, or, when the peer is a trusted proxy, the right-most
 * X-Forwarded-For address that is not a trusted proxy (the left-most if all are trusted).
 * A hop that is not an IP address, met before an untrusted one, yields the peer.
 */
export function clientIp(peer: string, xForwardedFor: string | undefined, opts: ClientIpOptions): string {
  const peerAddress = normalizeAddress(peer);
  if (peerAddress === null) {
    return peer;
  }
  if (!opts.useReverseProxy || !xForwardedFor) {
    return peerAddress;
  }
  const isTrusted = trustTestFor(opts.trusted);
  const hops = xForwardedFor.split(',').map((hop) => normalizeAddress(hop) ?? hop.trim().replace(/[\s,]/g, '_'));
  const found = proxyaddr({ socket: { remoteAddress: peerAddress }, headers: { 'x-forwarded-for': hops.join(',') } } as never, isTrusted);
  return normalizeAddress(found) ?? peerAddress;
}

/** Whether the socket peer is a trusted proxy (so its X-Forwarded-* headers may be believed). */
export function isTrustedProxy(peer: string, trusted: string[]): boolean {
  const address = normalizeAddress(peer);
  return address !== null && trustTestFor(trusted)(address, 0);
}

type ProxySettings = Pick<Settings, 'USE_REVERSE_PROXY' | 'FORWARDED_ALLOW_IPS'>;

/** Whether the request came through a proxy whose X-Forwarded-* headers we believe. */
export function fromTrustedProxy(ctx: Context, s: ProxySettings): boolean {
  return s.USE_REVERSE_PROXY && isTrustedProxy(ctx.req.socket.remoteAddress ?? '', s.FORWARDED_ALLOW_IPS);
}

/** HTTPS directly, or X-Forwarded-Proto: https from a trusted proxy. */
export function requestIsSecure(ctx: Context, s: ProxySettings): boolean {
  if ((ctx.req.socket as { encrypted?: boolean }).encrypted) {
    return true;
  }
  const header = ctx.get('X-Forwarded-Proto');
  if (header === '') {
    return false;
  }
  const proto = header.split(',')[0]?.trim().toLowerCase();
  return proto === 'https' && fromTrustedProxy(ctx, s);
}

/** Settles who the client is, for the routes (ctx.state.clientIp, .secure) and the access log. */
export function clientIpMiddleware(s: ProxySettings) {
  const opts = { useReverseProxy: s.USE_REVERSE_PROXY, trusted: s.FORWARDED_ALLOW_IPS };
  // not async: a middleware that only passes on returns next()'s promise (one promise less per request)
  return function resolveClient(ctx: Context, next: Next): Promise<unknown> {
    const ip = clientIp(ctx.req.socket.remoteAddress ?? '-', ctx.get('X-Forwarded-For') || undefined, opts);
    const state = accountState(ctx);
    state.clientIp = ip;
    state.secure = requestIsSecure(ctx, s);
    setClientIp(ctx.req, ip);
    return next();
  };
}
