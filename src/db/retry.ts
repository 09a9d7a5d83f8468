/**
 * Writes a process must not lose to a short outage (the job runner's status changes and log
 * lines while PostgreSQL restarts): tried again while the database server cannot be reached, for a while.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { databaseUnreachable } from './errors.js';

/** How long a write waits for the database to come back before its failure is the caller's. */
export const RETRY_FOR_MS = 5 * 60_000;
const RETRY_EVERY_MS = 500;

/** Runs `op`; while it fails because the database server cannot be reached, runs it again, up to RETRY_FOR_MS. */
export async function retryWhileUnavailable<T>(op: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + RETRY_FOR_MS;
  for (;;) {
    try {
      return await op();
    } catch (err) {
      if (!databaseUnreachable(err) || Date.now() >= deadline) {
        throw err;
      }
      await sleep(RETRY_EVERY_MS);
    }
  }
}
