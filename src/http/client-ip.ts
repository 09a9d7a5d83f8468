/**
 * The client's IP address, taking X-Forwarded-For into account only when it
 * was set by a trusted reverse proxy.
 */
import { BlockList, isIP } from 'node:net';

/** How far to trust the peer and X-Forwarded-For. */
export interface ClientIpOptions {
  /** Honour X-Forwarded-For at all. */
  useReverseProxy: boolean;
  /** Trusted proxies: IPs (v4/v6), CIDR subnets ("10.0.0.0/8", "fd00::/8") or "*" for all. */
  trusted: string[];
}

type TrustTest = (address: string) => boolean;

const trustCache = new WeakMap<string[], TrustTest>();

/**
 * The client address: the socket peer, or, when the peer is a trusted proxy,
 * the right-most X-Forwarded-For address that is not a trusted proxy (the
 * left-most if all are trusted). A malformed address in the walk yields the peer.
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
  if (!isTrusted(peerAddress)) {
    return peerAddress;
  }
  const hops = xForwardedFor.split(',').map((hop) => hop.trim()).filter((hop) => hop !== '');
  let leftMost = peerAddress;
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    const address = normalizeAddress(hops[i]);
    if (address === null) {
      return peerAddress;
    }
    if (!isTrusted(address)) {
      return address;
    }
    leftMost = address;
  }
  return leftMost;
}

/** Whether the socket peer is a trusted proxy (so its X-Forwarded-* headers may be believed). */
export function isTrustedProxy(peer: string, trusted: string[]): boolean {
  const address = normalizeAddress(peer);
  return address !== null && trustTestFor(trusted)(address);
}

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

/**
 * Build (and cache per list) the test for trusted proxies.
 * Throws on an entry that is neither "*", an IP nor a CIDR subnet.
 */
function trustTestFor(trusted: string[]): TrustTest {
  const cached = trustCache.get(trusted);
  if (cached) {
    return cached;
  }
  const test = buildTrustTest(trusted);
  trustCache.set(trusted, test);
  return test;
}

/** A BlockList of the trusted entries, or "everything" for "*". */
function buildTrustTest(trusted: string[]): TrustTest {
  const entries = trusted.map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (entries.includes('*')) {
    return () => true;
  }
  const list = new BlockList();
  for (const entry of entries) {
    addTrustedEntry(list, entry);
  }
  return (address) => list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/** Add one IP or CIDR subnet to the list. */
function addTrustedEntry(list: BlockList, entry: string): void {
  const [host, prefixText, extra] = entry.split('/');
  const address = normalizeAddress(host);
  const family = address === null ? 0 : isIP(address);
  if (address === null || extra !== undefined) {
    throw new TypeError(`invalid trusted proxy "${entry}": expected "*", an IP address or a CIDR subnet`);
  }
  const type = family === 6 ? 'ipv6' : 'ipv4';
  if (prefixText === undefined) {
    list.addAddress(address, type);
    return;
  }
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : -1;
  if (prefix < 0 || prefix > (family === 6 ? 128 : 32)) {
    throw new TypeError(`invalid trusted proxy "${entry}": bad prefix length`);
  }
  list.addSubnet(address, prefix, type);
}
