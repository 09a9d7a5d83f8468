/**
 * A small per-worker cache of calculation-list answers. Clients poll the list every few
 * seconds (gem/oq-engine #1856, #2923); most polls find nothing changed. An answer is reused
 * only while the database is unchanged: SQLite's `PRAGMA data_version` moves whenever another
 * connection (another worker, the job runner) commits, and this worker bumps `epoch` after
 * its own job writes. A short lifetime (LIST_CACHE_MS, 1 s) bounds what any other write
 * could leave stale.
 */
import type { Sequelize } from 'sequelize';
import { dataVersion } from '../db/sqlite.js';

/** Answers kept per worker. */
const MAX_ENTRIES = 500;

/** A cached answer. */
interface Entry {
  version: string;
  at: number;
  body: string;
  total: number;
}

/** The cache of one worker. */
export class ListCache {
  private readonly entries = new Map<string, Entry>();
  private epoch = 0;

  /** `ttlMs` 0 turns the cache off. */
  constructor(private readonly sequelize: Sequelize, private readonly ttlMs: number) {}

  /** Call after this worker changed the job table (insert, status change, removal). */
  bump(): void {
    this.epoch += 1;
  }

  /** The database's current version, or null when it cannot be known (not SQLite): no caching. */
  async version(): Promise<string | null> {
    if (this.ttlMs <= 0) {
      return null;
    }
    const v = await dataVersion(this.sequelize);
    return v === null ? null : `${v}:${this.epoch}`;
  }

  /** The answer stored under `key` if it is still valid at `version`. */
  get(key: string, version: string | null, now = Date.now()): { body: string; total: number } | null {
    const e = this.entries.get(key);
    if (e === undefined || version === null || e.version !== version || now - e.at > this.ttlMs) {
      return null;
    }
    return e;
  }

  /** Stores an answer computed at `version`. */
  set(key: string, version: string | null, body: string, total: number, now = Date.now()): void {
    if (version === null) {
      return;
    }
    if (this.entries.size >= MAX_ENTRIES) {
      for (const [k, e] of this.entries) {
        if (now - e.at > this.ttlMs || this.entries.size >= MAX_ENTRIES) {
          this.entries.delete(k);
        }
        if (this.entries.size < MAX_ENTRIES / 2) {
          break;
        }
      }
    }
    this.entries.set(key, { version, at: now, body, total });
  }
}
