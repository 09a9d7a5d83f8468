/**
 * Slows password guessing as django-axes does, counted in the database (all workers together)
 * per (username, IP) and, with a higher limit, per IP: a shared address locks no other user out.
 */
import type { AccountModels } from '../db/models/index.js';
import { deleteLoginFailuresBefore, insertLoginFailure, newestFailureTimes, type FailureKey } from '../data/login-failures.js';
import type { Settings } from '../settings/schema.js';

type ThrottleSettings = Pick<Settings, 'LOGIN_FAILURE_LIMIT' | 'LOGIN_FAILURE_IP_LIMIT' | 'LOGIN_FAILURE_WINDOW'>;

/** Who is trying: the username given ('' when it could not be kept) and the client IP. */
export interface LoginAttempt {
  username: string;
  ip: string;
}

/** The longest username kept (Django's limit); longer ones are cut for counting. */
const MAX_USERNAME = 150;

/** Seconds until fewer than `limit` failures matching `key` remain in the window; 0 if fewer now. */
async function waitFor(models: AccountModels, key: FailureKey, limit: number, windowMs: number, now: number): Promise<number> {
  if (limit <= 0) {
    return 0;
  }
  const newest = await newestFailureTimes(models, key, now - windowMs, limit);
  if (newest.length < limit) {
    return 0;
  }
  // once the limit-th newest failure leaves the window, fewer than limit remain
  const freeing = newest[limit - 1];
  return Math.max(1, Math.ceil((freeing + windowMs - now) / 1000));
}

/** Seconds the attempt must wait (the longer of its two counts), or 0 when it may try now. */
export async function loginRetryAfter(models: AccountModels, s: ThrottleSettings, who: LoginAttempt, now = Date.now()): Promise<number> {
  const windowMs = s.LOGIN_FAILURE_WINDOW * 1000;
  const username = who.username.slice(0, MAX_USERNAME);
  const [pair, ip] = await Promise.all([
    waitFor(models, { username, ip: who.ip }, s.LOGIN_FAILURE_LIMIT, windowMs, now),
    waitFor(models, { ip: who.ip }, s.LOGIN_FAILURE_IP_LIMIT, windowMs, now),
  ]);
  return Math.max(pair, ip);
}

/** Records one failed attempt, and forgets failures older than the window. */
export async function recordLoginFailure(models: AccountModels, s: ThrottleSettings, who: LoginAttempt, now = Date.now()): Promise<void> {
  if (s.LOGIN_FAILURE_LIMIT <= 0 && s.LOGIN_FAILURE_IP_LIMIT <= 0) {
    return;
  }
  await insertLoginFailure(models, who.ip, who.username.slice(0, MAX_USERNAME), now);
  await deleteLoginFailuresBefore(models, now - s.LOGIN_FAILURE_WINDOW * 1000);
}
