/**
 * Loaded only by test/db/interrupted-migrate.test.ts, with `node --import`, into a real
 * `oq-webui migrate`: the process SIGKILLs itself right after the Nth statement that is not a
 * read (OQ_TEST_KILL_AFTER_WRITES=N) has run on any node-sqlite3 connection, so that the test
 * can stop a migration between every two of its steps. Nothing in the product knows of it.
 */
import { createRequire } from 'node:module';

type Callback = (this: unknown, ...args: unknown[]) => void;
type Method = (this: unknown, sql: string, ...args: unknown[]) => unknown;

const killAfter = Number(process.env.OQ_TEST_KILL_AFTER_WRITES);
const sqlite3 = createRequire(import.meta.url)('sqlite3') as { Database: { prototype: Record<string, Method> } };
let writes = 0;

for (const name of ['run', 'all', 'exec']) {
  const original = sqlite3.Database.prototype[name];
  sqlite3.Database.prototype[name] = function (this: unknown, sql: string, ...args: unknown[]) {
    const cb = args[args.length - 1];
    if (/^\s*(SELECT|PRAGMA)\b/i.test(sql) || typeof cb !== 'function') {
      return original.call(this, sql, ...args);
    }
    return original.call(this, sql, ...args.slice(0, -1), function (this: unknown, ...results: unknown[]) {
      writes += 1;
      if (writes === killAfter) {
        process.kill(process.pid, 'SIGKILL');
      }
      (cb as Callback).apply(this, results);
    });
  };
}
