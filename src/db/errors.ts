/**
 * Which failures mean "the database cannot be used" (rather than a bug in one request), and the
 * sentence that tells the operator what and where. The one error handler answers these with 503
 * (src/errors.ts): a damaged file, a missing data folder or an unreachable server fail every
 * request alike, and the cause is the operator's to fix, not the client's.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { sqlitePath } from './url.js';

/** The database cannot be used; `message` is the sentence for the operator (cause, path, what to do). */
export class DatabaseUnavailable extends Error {
  readonly status = 503;
  /** Never shown to the client: it names paths and drivers. */
  readonly expose = false;
}

/** What went wrong, with what the operator should do about it. */
type Kind = 'damaged' | 'missing' | 'unwritable' | 'unreachable';

const ADVICE: Record<Kind, string> = {
  damaged: 'run "oq-webui check", then restore the file from a backup or rebuild it with sqlite3\'s .recover (README, "A corrupt database")',
  missing: 'put the data folder back (or restore it from a backup, or create the database with "oq-webui migrate"); the server picks it up again by itself',
  unwritable: 'free disk space or give the server\'s user write access again',
  unreachable: 'check that the database server runs and accepts connections from this host',
};

/** SQLite's primary result codes (extended codes start with them: SQLITE_IOERR_SHORT_READ) and what they mean here. */
const SQLITE_KINDS: [string, Kind][] = [
  ['SQLITE_CORRUPT', 'damaged'],
  ['SQLITE_NOTADB', 'damaged'],
  ['SQLITE_CANTOPEN', 'missing'],
  ['SQLITE_READONLY', 'unwritable'],
  ['SQLITE_FULL', 'unwritable'],
  ['SQLITE_IOERR', 'unwritable'],
];

/**
 * PostgreSQL's codes of a lost connection (class 08) or a server shutting down (57P01-3). Node's
 * own codes (ECONNRESET, ...) are not looked at: a client's dropped upload has them too; Sequelize
 * wraps the driver's failures to connect in the errors below.
 */
const UNREACHABLE_CODE = /^(08\w{3}|57P0[123])$/;
/** Sequelize's connection errors (SequelizeConnectionRefusedError, ...HostNotFound..., ...AcquireTimeout...). */
const SEQUELIZE_CONNECTION = /^Sequelize(Connection\w*|HostNot\w+|AccessDenied|InvalidConnection)Error$/;
/** The `pg` driver's words (no code) for a connection lost under a query, or a client already closed by such a loss. */
const PG_CONNECTION_LOST = /^(Connection terminated( unexpectedly)?|Client (was closed|has encountered a connection error) and is not queryable)$/;
/** better-sqlite3's words when the file's folder is gone (a TypeError, without a code). */
const NO_DIRECTORY = /Cannot open database because the directory does not exist/;

/** The error and the errors it wraps (Sequelize's `original`/`parent`, `cause`), outermost first. */
function chain(err: unknown): { name?: unknown; code?: unknown; message?: unknown }[] {
  const out: { name?: unknown; code?: unknown; message?: unknown }[] = [];
  let e = err as { original?: unknown; parent?: unknown; cause?: unknown } | null;
  while (e && typeof e === 'object' && out.length < 5) {
    out.push(e as { name?: unknown; code?: unknown; message?: unknown });
    e = (e.original ?? e.parent ?? e.cause) as typeof e;
  }
  return out;
}

/** The kind of a driver failure, or null when it is not about the database as a whole. */
function kindOf(err: unknown): Kind | null {
  for (const e of chain(err)) {
    const code = typeof e.code === 'string' ? e.code : '';
    const sqlite = SQLITE_KINDS.find(([c]) => code === c || code.startsWith(`${c}_`));
    if (sqlite) {
      return sqlite[1];
    }
    const lost = code === '' && typeof e.message === 'string' && PG_CONNECTION_LOST.test(e.message);
    if (lost || UNREACHABLE_CODE.test(code) || (typeof e.name === 'string' && SEQUELIZE_CONNECTION.test(e.name))) {
      return 'unreachable';
    }
    if (typeof e.message === 'string' && NO_DIRECTORY.test(e.message)) {
      return 'missing';
    }
  }
  return null;
}

/** Whether `err` means the database server cannot be reached now (it may come back by itself: a PostgreSQL restart). */
export function databaseUnreachable(err: unknown): boolean {
  return kindOf(err) === 'unreachable';
}

/** The driver's own words, innermost first (`SQLITE_CORRUPT: database disk image is malformed`). */
function causeOf(err: unknown): string {
  const messages = chain(err).map((e) => (typeof e.message === 'string' ? e.message : '')).filter(Boolean);
  return messages[messages.length - 1] ?? String(err);
}

/** The database a URL names, for a sentence: the file, or the URL without its password. */
export function databaseWhere(url: string): string {
  return sqlitePath(url) ?? url.replace(/\/\/[^@/]*@/, '//***@');
}

/** The sentence for the operator: what, where, why, what to do. */
function sentence(kind: Kind, url: string, cause: string): string {
  const where = databaseWhere(url);
  const what: Record<Kind, string> = {
    damaged: `the database at ${where} is damaged`,
    missing: `the database at ${where} cannot be opened`,
    unwritable: `the database at ${where} cannot be written`,
    unreachable: `the database at ${where} cannot be reached`,
  };
  return `${what[kind]} (${cause}): requests that need it answer 503 until it is fixed; ${ADVICE[kind]}`;
}

/**
 * The DatabaseUnavailable that `err` means for the database at `url`, or null when `err` is
 * something else (a bad query, a constraint, a bug: those stay 4xx or 500).
 */
export function classifyDatabaseError(err: unknown, url: string): DatabaseUnavailable | null {
  if (err instanceof DatabaseUnavailable) {
    return err;
  }
  const kind = kindOf(err);
  return kind === null ? null : new DatabaseUnavailable(sentence(kind, url, causeOf(err)), { cause: err });
}

/** The DatabaseUnavailable for a SQLite file that is not where the server opened it (`err`: why `stat` failed, when it did). */
export function fileGone(url: string, err?: NodeJS.ErrnoException): DatabaseUnavailable {
  const file = sqlitePath(url) ?? url;
  const cause = err !== undefined && err.code !== 'ENOENT' ? err.message
    : existsSync(dirname(file)) ? `the file ${file} is gone: moved or deleted` : `its folder ${dirname(file)} is gone: moved or deleted`;
  return new DatabaseUnavailable(sentence('missing', url, cause), { cause: err });
}

/** The DatabaseUnavailable for a SQLite file replaced by another while the server had the old one open. */
export function fileReplaced(url: string): DatabaseUnavailable {
  const file = sqlitePath(url) ?? url;
  return new DatabaseUnavailable(`the database file ${file} was replaced while the server ran: its workers still use the old file, whose changes are lost; restart the server so that it opens the new one`);
}

/** The DatabaseUnavailable for a SQLite file not there when a process opens it: its folder missing, or only the file. */
export function databaseMissing(url: string): DatabaseUnavailable {
  const file = sqlitePath(url) ?? url;
  const cause = existsSync(dirname(file)) ? `the file ${file} does not exist` : `its folder ${dirname(file)} does not exist: moved, deleted or not mounted`;
  return new DatabaseUnavailable(sentence('missing', url, cause));
}
