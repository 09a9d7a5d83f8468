/**
 * Django's PBKDF2 password hashes (`pbkdf2_sha256$<iterations>$<salt>$<hash>`), so the database can
 * be shared with the engine's Django WebUI; derived off the event loop (crypto.pbkdf2).
 */
import { pbkdf2, randomInt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

/** Iteration count for new hashes; stored hashes below it are upgraded at login. */
export const DEFAULT_ITERATIONS = 600_000;

/** Django's UNUSABLE_PASSWORD_PREFIX: such a stored value never verifies. */
export const UNUSABLE_PASSWORD_PREFIX = '!';

const SALT_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const SALT_ENTROPY_BITS = 128;
/** ceil(128 / log2(62)) = 22, as Django's BasePasswordHasher.salt(). */
const SALT_LENGTH = Math.ceil(SALT_ENTROPY_BITS / Math.log2(SALT_CHARS.length));
const DUMMY_SALT = 'oqWebuiDummySaltValue0';
const MAX_ITERATIONS = 2 ** 31 - 1; // crypto.pbkdf2 rejects larger counts

/** Hashers we can verify: Django's PBKDF2PasswordHasher and PBKDF2SHA1PasswordHasher. */
const DIGESTS: Record<string, 'sha256' | 'sha1'> = {
  pbkdf2_sha256: 'sha256',
  pbkdf2_sha1: 'sha1',
};

interface DecodedHash {
  algorithm: string;
  digest: 'sha256' | 'sha1';
  iterations: number;
  salt: string;
}

/** Result of checking a password against a stored hash. */
export interface VerifyResult {
  /** The password matches the stored hash. */
  ok: boolean;
  /** The caller should re-hash the (correct) password with hashPassword(). */
  needsUpgrade: boolean;
}

/** Hash a password the way Django's make_password() does with PBKDF2PasswordHasher. */
export async function hashPassword(password: string, iterations = DEFAULT_ITERATIONS): Promise<string> {
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
    throw new RangeError(`iterations must be an integer between 1 and ${MAX_ITERATIONS}`);
  }
  return encode(password, randomSalt(), iterations, 'pbkdf2_sha256');
}

/**
 * Check a password against a stored Django hash, in constant time.
 * Null, unusable ('!…') and malformed hashes return ok:false after the same
 * work as a real check, so the response time does not tell them apart.
 */
export async function verifyPassword(password: string, encoded: string | null): Promise<VerifyResult> {
  const decoded = typeof encoded === 'string' ? decodeHash(encoded) : null;
  if (decoded === null || typeof encoded !== 'string') {
    await dummyVerify(password);
    return { ok: false, needsUpgrade: false };
  }
  const candidate = await encode(password, decoded.salt, decoded.iterations, decoded.algorithm);
  const ok = constantTimeEqual(candidate, encoded);
  const needsUpgrade = decoded.algorithm !== 'pbkdf2_sha256'
    || decoded.iterations < DEFAULT_ITERATIONS
    || saltTooWeak(decoded.salt);
  if (!ok && decoded.iterations < DEFAULT_ITERATIONS) {
    // Django's harden_runtime(): a wrong guess against an old, cheaper hash
    // costs as much as one against a current hash.
    await derive(password, decoded.salt, DEFAULT_ITERATIONS - decoded.iterations, decoded.digest);
  }
  return { ok, needsUpgrade };
}

/** Burn the time of one verification; call it for logins of unknown users. */
export async function dummyVerify(password: string): Promise<void> {
  const candidate = await encode(password, DUMMY_SALT, DEFAULT_ITERATIONS, 'pbkdf2_sha256');
  constantTimeEqual(candidate, candidate);
}

/** Django's PBKDF2PasswordHasher.encode(). */
async function encode(password: string, salt: string, iterations: number, algorithm: string): Promise<string> {
  const digest = DIGESTS[algorithm] ?? 'sha256';
  const hash = await derive(password, salt, iterations, digest);
  return `${algorithm}$${iterations}$${salt}$${hash.toString('base64')}`;
}

/** PBKDF2-HMAC with dklen = digest size, as django.utils.crypto.pbkdf2(). */
function derive(password: string, salt: string, iterations: number, digest: 'sha256' | 'sha1'): Promise<Buffer> {
  const keyLength = digest === 'sha256' ? 32 : 20;
  return pbkdf2Async(Buffer.from(password, 'utf8'), Buffer.from(salt, 'utf8'), iterations, keyLength, digest);
}

/**
 * Split a stored hash into its parts; null when it is unusable or malformed.
 * Only canonical iteration counts are accepted ("600000", not "0600000"):
 * Django re-encodes with %d, so a non-canonical one could never verify anyway.
 */
function decodeHash(encoded: string): DecodedHash | null {
  if (encoded.startsWith(UNUSABLE_PASSWORD_PREFIX)) {
    return null;
  }
  const parts = encoded.split('$');
  if (parts.length !== 4) {
    return null;
  }
  const [algorithm, iterationsText, salt] = parts;
  const digest = DIGESTS[algorithm];
  if (digest === undefined || salt === '' || !/^[1-9][0-9]{0,9}$/.test(iterationsText)) {
    return null;
  }
  const iterations = Number(iterationsText);
  if (iterations > MAX_ITERATIONS) {
    return null;
  }
  return { algorithm, digest, iterations, salt };
}

/** Django's must_update_salt(): the salt carries less than 128 bits of entropy. */
function saltTooWeak(salt: string): boolean {
  return salt.length * Math.log2(SALT_CHARS.length) < SALT_ENTROPY_BITS;
}

/** 22 random characters from [a-zA-Z0-9], as Django's get_random_string(). */
function randomSalt(): string {
  let salt = '';
  for (let i = 0; i < SALT_LENGTH; i += 1) {
    salt += SALT_CHARS[randomInt(SALT_CHARS.length)];
  }
  return salt;
}

/** Compare two strings without leaking where they differ (length is not secret). */
function constantTimeEqual(a: string, b: string): boolean {
  const bufA = Buffer.from(a, 'utf8');
  const bufB = Buffer.from(b, 'utf8');
  if (bufA.length !== bufB.length) {
    timingSafeEqual(bufA, bufA);
    return false;
  }
  return timingSafeEqual(bufA, bufB);
}
