/**
 * Every cache of a process: bounded (lru-cache) and valid for one epoch, the row that triggers
 * bump on every write a cached answer depends on (migrations 0003, 0007), whoever writes.
 */
import { LRUCache } from 'lru-cache';
import type { Sequelize } from 'sequelize';
import { selectRows } from './query.js';

/** A cached answer, with the epoch it was computed at. */
interface Entry<V> {
  epoch: number;
  value: V;
}

/** The epoch of one database as this process last read it, and the caches that depend on it. */
interface Epoch {
  n: number;
  /** The read made in this turn of the event loop, shared by every lookup of the turn. */
  thisTurn: Promise<number> | null;
  caches: Set<LRUCache<string, Entry<unknown>>>;
}

const epochs = new WeakMap<Sequelize, Epoch>();

function epochOf(sequelize: Sequelize): Epoch {
  let e = epochs.get(sequelize);
  if (e === undefined) {
    e = { n: -1, thisTurn: null, caches: new Set() };
    epochs.set(sequelize, e);
  }
  return e;
}

/** Reads the epoch; caches are cleared when it moved. */
async function readEpoch(sequelize: Sequelize, e: Epoch): Promise<number> {
  const rows = await selectRows<{ n: number | string }>(sequelize, 'SELECT n FROM auth_epoch WHERE id = 1', []);
  const n = rows[0] === undefined ? -2 : Number(rows[0].n);
  if (n !== e.n) {
    for (const c of e.caches) {
      c.clear();
    }
    e.n = n;
  }
  return n;
}

/**
 * The epoch as of a moment after the current request arrived. One read serves every lookup of
 * the same turn of the event loop: the requests handled in a turn were received before its first
 * lookup, so a change committed before any of them was sent is seen; the read is dropped in the
 * turn's check phase, before the loop polls for new requests.
 */
export function currentEpoch(sequelize: Sequelize): Promise<number> {
  const e = epochOf(sequelize);
  if (e.thisTurn === null) {
    const read = readEpoch(sequelize, e);
    e.thisTurn = read;
    read.catch(() => undefined);
    setImmediate(() => {
      if (e.thisTurn === read) {
        e.thisTurn = null;
      }
    });
  }
  return e.thisTurn;
}

/** A cache whose answers hold while the epoch stays. */
export interface FreshCache<V> {
  /** The answer under `key` at the current epoch, computed (and kept) when there is none. */
  get(key: string, compute: () => Promise<V>): Promise<V>;
  /** The answer under `key` if one is kept at `epoch` (read by the caller at the start of its request). */
  peek(key: string, epoch: number): V | undefined;
  /** Keeps `value`, computed after `epoch` was read. */
  set(key: string, epoch: number, value: V): void;
  /** Drops the answer under `key` (its row was just written by this process). */
  forget(key: string): void;
}

/** A cache of at most `max` answers, each kept at most `ttlMs` (undefined: while the epoch holds; 0: the cache is off). */
export function freshCache<V>(sequelize: Sequelize, opts: { max: number; ttlMs?: number }): FreshCache<V> {
  const e = epochOf(sequelize);
  const off = opts.ttlMs === 0;
  const lru = new LRUCache<string, Entry<V>>({ max: opts.max, ...(opts.ttlMs ? { ttl: opts.ttlMs } : {}) });
  e.caches.add(lru as unknown as LRUCache<string, Entry<unknown>>);
  const cache: FreshCache<V> = {
    peek(key, epoch) {
      const hit = lru.get(key);
      return hit !== undefined && hit.epoch === epoch && epoch === e.n ? hit.value : undefined;
    },
    set(key, epoch, value) {
      // an answer computed before the epoch moved is not kept
      if (!off && epoch === e.n) {
        lru.set(key, { epoch, value });
      }
    },
    async get(key, compute) {
      const epoch = await currentEpoch(sequelize);
      const hit = cache.peek(key, epoch);
      if (hit !== undefined) {
        return hit;
      }
      const value = await compute();
      cache.set(key, epoch, value);
      return value;
    },
    forget(key) {
      lru.delete(key);
    },
  };
  return cache;
}
