/**
 * The keys that sign the session cookie, as the `cookies` module (Koa's ctx.cookies) wants
 * them — the same HMAC-SHA1, URL-safe base64 signatures as Keygrip, its default — with one
 * difference measured to matter: a (value, signature) pair already verified is remembered, so
 * a logged-in request does not pay Keygrip's three HMACs and a random buffer again (about a
 * tenth of a logged-in request's CPU, docs/performance.md). Only pairs that verified are kept:
 * guessing signatures never reaches the memory, and the comparison stays constant-time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Verified pairs kept; all are forgotten when full. */
const MAX_REMEMBERED = 10_000;

/** The Keygrip interface `cookies` calls: sign, verify, index. */
export interface CookieKeys {
  sign(data: string): string;
  verify(data: string, digest: string): boolean;
  index(data: string, digest: string): number;
}

/** Signing keys, the first one signing; a signature by any of them verifies. */
export function cookieKeys(keys: string[]): CookieKeys {
  if (keys.length === 0) {
    throw new Error('at least one key is needed to sign cookies');
  }
  const signWith = (data: string, key: string): string =>
    createHmac('sha1', key).update(data).digest('base64').replace(/[/+=]/g, (x) => (x === '/' ? '_' : x === '+' ? '-' : ''));
  const verified = new Map<string, number>();
  const index = (data: string, digest: string): number => {
    const memo = `${data}\n${digest}`;
    const known = verified.get(memo);
    if (known !== undefined) {
      return known;
    }
    const given = Buffer.from(String(digest));
    for (let i = 0; i < keys.length; i += 1) {
      const expected = Buffer.from(signWith(data, keys[i]));
      if (given.length === expected.length && timingSafeEqual(given, expected)) {
        if (verified.size >= MAX_REMEMBERED) {
          verified.clear();
        }
        verified.set(memo, i);
        return i;
      }
    }
    return -1;
  };
  return {
    sign: (data) => signWith(data, keys[0]),
    verify: (data, digest) => index(data, digest) > -1,
    index,
  };
}
