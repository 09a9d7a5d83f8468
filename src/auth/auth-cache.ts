/**
 * Per-worker memory of who is logged in: the sessions this worker has read and the actors
 * their users map to, trusted only while the database's auth epoch (migration 0003: a
 * one-row counter that triggers bump on every change to sessions, users, groups and
 * memberships that matters) is the one they were read at.
 *
 * A request that carries a session cookie costs one primary-key read of one integer instead of
 * reading the session row, the user row and the memberships. The read starts after the request
 * arrived, so any change committed before it — through this worker, another worker, the CLI or
 * another host sharing a PostgreSQL database — is seen: the stale entry is dropped and read
 * afresh. Requests that arrive while a read is under way wait for the next read (one read
 * serves all of them), never for one that started before they arrived.
 *
 * With SQLite, the read itself is skipped while nothing at all was committed since the last one
 * (src/db/wal-change.ts: the WAL-index header, a microsecond); any commit — a job's log line
 * included — sends the next request to the database again.
 */
import type { Sequelize } from 'sequelize';
import { readAuthEpoch } from '../data/sessions.js';
import { watchCommits, type CommitWatch } from '../db/wal-change.js';
import type { Actor } from './actor.js';

/** Entries kept per map; all are dropped when the epoch moves or the map is full. */
const MAX_ENTRIES = 10_000;

/** A session as the store read it. */
interface SessionEntry {
  data: Record<string, unknown> | null;
  /** The row's expiry (ms since the epoch); 0 when there is no row. */
  expiresAt: number;
}

/** A user's actor, or null when the user is gone or inactive. */
type ActorEntry = Actor | null;

/** One reader of the epoch: a batch of waiters per read, reads one after the other. */
interface Waiter {
  resolve(n: number): void;
  reject(e: unknown): void;
}

/** The cache of one worker for one database. */
export class AuthCache {
  private readonly sessions = new Map<string, SessionEntry>();
  private readonly actors = new Map<number, ActorEntry>();
  /** The epoch the entries were read at. */
  private epoch = -1;
  private reading = false;
  private waiters: Waiter[] = [];
  /** Reads of the epoch made (for tests and the bench's notes). */
  reads = 0;
  /** SQLite only: the commits watcher, and its mark taken just before the epoch was last read. */
  private readonly watch: CommitWatch | null;
  private mark: Buffer | null = null;

  constructor(private readonly sequelize: Sequelize) {
    const storage = (sequelize as unknown as { options: { storage?: string } }).options.storage;
    this.watch = sequelize.getDialect() === 'sqlite' && storage && storage !== ':memory:' ? watchCommits(storage) : null;
  }

  /** The current epoch, as of a moment after this call; drops every entry when it moved. */
  current(): Promise<number> {
    if (this.watch !== null && this.epoch >= 0 && (this.confirmedThisTurn || this.watch.unchangedSince(this.mark))) {
      // nothing committed since `mark`, taken before the epoch was read: the epoch still holds
      this.confirmThisTurn();
      return Promise.resolve(this.epoch);
    }
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (!this.reading) {
        this.readNext();
      }
    });
  }

  private readNext(): void {
    const batch = this.waiters;
    this.waiters = [];
    this.reading = true;
    this.reads += 1;
    const mark = this.watch?.mark() ?? null;
    readAuthEpoch(this.sequelize).then((found) => {
      const n = found ?? -2;
      if (n !== this.epoch) {
        this.sessions.clear();
        this.actors.clear();
        this.epoch = n;
      }
      this.mark = mark;
      for (const w of batch) {
        w.resolve(n);
      }
    }, (err: unknown) => {
      this.mark = null;
      for (const w of batch) {
        w.reject(err);
      }
    }).finally(() => {
      this.reading = false;
      if (this.waiters.length > 0) {
        this.readNext();
      }
    });
  }

  /**
   * The WAL-index header is looked at once per turn of the event loop, not once per request
   * (a read of the -shm file was the largest single cost of a logged-in request: 6.6% of its
   * CPU). A look vouches for every request handled in the same turn: requests reach us in the
   * loop's poll phase, from sockets the kernel reported readable before the turn's first
   * request was handled, i.e. before the look — so a change committed before such a request was
   * sent was committed before the look. The mark is dropped in the turn's check phase
   * (setImmediate), before the loop polls again.
   */
  private confirmedThisTurn = false;

  private confirmThisTurn(): void {
    if (!this.confirmedThisTurn) {
      this.confirmedThisTurn = true;
      setImmediate(() => {
        this.confirmedThisTurn = false;
      });
    }
  }

  /** The session `sid` as read at `epoch`, or undefined when not known at that epoch. */
  session(sid: string, epoch: number): SessionEntry | undefined {
    return epoch === this.epoch ? this.sessions.get(sid) : undefined;
  }

  /** Remembers a session read after `epoch` was read. */
  rememberSession(sid: string, epoch: number, entry: SessionEntry): void {
    if (epoch === this.epoch) {
      if (this.sessions.size >= MAX_ENTRIES) {
        this.sessions.clear();
      }
      this.sessions.set(sid, entry);
    }
  }

  /** Forgets a session (this worker changed or destroyed it). */
  forgetSession(sid: string): void {
    this.sessions.delete(sid);
  }

  /** The actor of user `uid` as read at `epoch` (null: gone or inactive), or undefined when not known. */
  actor(uid: number, epoch: number): ActorEntry | undefined {
    return epoch === this.epoch ? this.actors.get(uid) : undefined;
  }

  /** Remembers an actor read after `epoch` was read. */
  rememberActor(uid: number, epoch: number, entry: ActorEntry): void {
    if (epoch === this.epoch) {
      if (this.actors.size >= MAX_ENTRIES) {
        this.actors.clear();
      }
      this.actors.set(uid, entry);
    }
  }
}

/**
 * Values derived from an actor the cache made (e.g. the list's visible owners), kept with the
 * actor: a cached actor is frozen and stands for one auth epoch (the cache makes a new one once
 * the epoch moves), so what was derived from it, read after it, is exactly as fresh.
 */
const derived = new WeakMap<Actor, Map<string, unknown>>();

/** Marks an actor read by this cache (frozen, one auth epoch) as able to keep derived values. */
export function bindToEpoch(actor: Actor): void {
  if (!derived.has(actor)) {
    derived.set(actor, new Map());
  }
}

/**
 * `compute()`, remembered with `actor` under `key` when the actor is one the AuthCache read
 * (bindToEpoch); computed afresh for any other actor. A failed computation is not remembered.
 */
export function derivedFromActor<T>(actor: Actor, key: string, compute: () => Promise<T>): Promise<T> {
  const memo = derived.get(actor);
  if (memo === undefined) {
    return compute();
  }
  let p = memo.get(key) as Promise<T> | undefined;
  if (p === undefined) {
    p = compute();
    memo.set(key, p);
    p.catch(() => memo.delete(key));
  }
  return p;
}

const caches = new WeakMap<Sequelize, AuthCache>();

/** The cache of this database in this process (the session store and the actor middleware share it). */
export function authCacheFor(sequelize: Sequelize): AuthCache {
  let c = caches.get(sequelize);
  if (!c) {
    c = new AuthCache(sequelize);
    caches.set(sequelize, c);
  }
  return c;
}
