import type { Context, Next } from 'koa';
import { badRequest } from '../errors.js';
import type { Settings } from '../settings/schema.js';

/** Django's host_validation_re: a host name or a bracketed IPv6 address, then maybe a port. */
const HOST_RE = /^([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(:[0-9]+)?$/;

/** Django's split_domain_port: the lower-cased domain without port or trailing dot, '' when the Host is malformed. */
export function domainOf(host: string): string {
  const m = HOST_RE.exec(host.toLowerCase());
  if (m === null) {
    return '';
  }
  return m[1].endsWith('.') ? m[1].slice(0, -1) : m[1];
}

/** Django's validate_host: `*` allows any name, `.example.com` that domain and its subdomains, anything else itself. */
export function hostAllowed(domain: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => {
    const pattern = p.toLowerCase();
    if (pattern === '*') {
      return true;
    }
    if (pattern.startsWith('.')) {
      return domain === pattern.slice(1) || domain.endsWith(pattern);
    }
    return domain === pattern;
  });
}

/**
 * Answers only the Host names of ALLOWED_HOSTS (400 otherwise), as Django does: with LOCKDOWN off
 * on loopback, a page whose name was rebound to 127.0.0.1 (DNS rebinding) is refused. A request
 * without Host (HTTP/1.0 from a script) passes: no browser sends one.
 */
export function hostCheck(s: Pick<Settings, 'ALLOWED_HOSTS'>) {
  const allowed = s.ALLOWED_HOSTS;
  return function checkHost(ctx: Context, next: Next): Promise<unknown> {
    const host = ctx.get('Host');
    if (host !== '') {
      const domain = domainOf(host);
      if (domain === '') {
        throw badRequest(`Bad Request: invalid Host header ${JSON.stringify(host)}`);
      }
      if (!hostAllowed(domain, allowed)) {
        throw badRequest(`Bad Request: this server does not answer to the host name ${JSON.stringify(domain)}; the operator may add it to ALLOWED_HOSTS`);
      }
    }
    return next();
  };
}
