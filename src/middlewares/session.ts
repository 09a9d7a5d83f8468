/**
 * Login sessions (LOCKDOWN on), kept in the database (src/auth/session-store.ts). The cookie
 * holds only the session id, signed with SECRET_KEY in a `sessionid.sig` cookie (Keygrip's
 * HMAC-SHA1, written by the `cookies` module as Koa's ctx.cookies does), HttpOnly,
 * SameSite=Lax, Secure when the request came over HTTPS (directly or per a trusted proxy), on
 * the WebUI's path only.
 *
 * This replaced koa-session, keeping its cookies, its stored JSON (`_expire`, `_maxAge`) and
 * its behaviour as the routes use it (ctx.session, isNew, regenerate(), `ctx.session = null`),
 * because koa-session cost ~8 µs of CPU on every logged-in request (measured by taking it out
 * of the path: 35,600 -> 42,500 req/s, docs/performance.md): it parsed the Cookie header twice
 * with regular expressions, built a Session object and hashed its JSON with crc32 twice. Here a
 * request reads the two cookies with two precompiled expressions, checks the signature against
 * the pairs already verified (src/auth/cookie-keys.ts), takes the session from the worker's
 * AuthCache through the store, and at the end writes only when a value changed.
 */
import { randomBytes } from 'node:crypto';
import type Koa from 'koa';
import type { Context, Next } from 'koa';
import { cookieKeys, type CookieKeys } from '../auth/cookie-keys.js';
import { databaseSessionStore, type SessionData, type SessionStore } from '../auth/session-store.js';
import type { AccountModels } from '../db/models/index.js';
import type { Settings } from '../settings/schema.js';
import { accountState } from './state.js';

/** The session cookie's name (Django's). */
export const SESSION_COOKIE = 'sessionid';

/** The cookies, read as the `cookies` module reads them (the first of each name). */
const ID_COOKIE = /(?:^|;) *sessionid=([^;]*)/;
const SIGNATURE_COOKIE = /(?:^|;) *sessionid\.sig=([^;]*)/;

/** When an expired cookie says it ended (koa-session's and `cookies`' epoch). */
const EPOCH = new Date(0);

/** What the routes see as ctx.session: the session's values, plus `isNew` and `regenerate()` (not values). */
export type Session = SessionData & {
  readonly isNew: boolean;
  /** A new id for this session, now: the old one is destroyed, the values saved under the new one. */
  regenerate(): Promise<void>;
};

/** One request's session. */
interface RequestSession {
  ctx: Context;
  /** The session, or false once the request ended it (`ctx.session = null`). */
  session: Session | false;
  /** Its id: the cookie's when stored, else '' until it is first saved (then a new one). */
  sid: string;
  /** The values as stored, to see whether the request changed any (null: not stored). */
  stored: SessionData | null;
  /** Saves (or ends) the session; with `regenerate`, under a new id. */
  commit(rs: RequestSession, regenerate?: boolean): Promise<void>;
}

const REQUEST_SESSION = Symbol('request session');
const IS_NEW = Symbol('new');

type WithSession = Context & { [REQUEST_SESSION]?: RequestSession };

/**
 * A session as ctx.session shows it: its values are its own properties; `isNew` and
 * `regenerate()` come from the prototype and symbols, so they are not values (Object.keys).
 */
class SessionObject {
  declare [REQUEST_SESSION]: RequestSession;
  declare [IS_NEW]: boolean;

  get isNew(): boolean {
    return this[IS_NEW];
  }

  regenerate(): Promise<void> {
    const rs = this[REQUEST_SESSION];
    return rs.commit(rs, true);
  }
}

function makeSession(rs: RequestSession, values: SessionData | null, isNew: boolean): Session {
  const session = new SessionObject();
  session[REQUEST_SESSION] = rs;
  session[IS_NEW] = isNew;
  return Object.assign(session, values) as unknown as Session;
}

/** A value of the session (not the stored bookkeeping `_expire`, `_maxAge`, nor a function). */
function isValueKey(data: SessionData, key: string): boolean {
  return key[0] !== '_' && typeof data[key] !== 'function';
}

/** The values of a session, without the stored bookkeeping. */
function valuesOf(session: SessionData): SessionData {
  const values: SessionData = {};
  for (const key of Object.keys(session)) {
    if (isValueKey(session, key)) {
      values[key] = session[key];
    }
  }
  return values;
}

/** How many values a session holds. */
function countValues(data: SessionData): number {
  let n = 0;
  for (const key of Object.keys(data)) {
    if (isValueKey(data, key)) {
      n += 1;
    }
  }
  return n;
}

/** Whether the session holds the stored values (values are JSON: compared as such when not plain). */
function sameValues(session: SessionData, stored: SessionData): boolean {
  let n = 0;
  for (const key of Object.keys(session)) {
    if (!isValueKey(session, key)) {
      continue;
    }
    n += 1;
    const x = session[key];
    const y = stored[key];
    if (x !== y && (typeof x !== 'object' || x === null || JSON.stringify(x) !== JSON.stringify(y))) {
      return false;
    }
  }
  return n === countValues(stored);
}

/**
 * Login sessions with the database store; the cookie options as koa-session passed them. Also
 * gives the app its cookie keys (Keygrip's signatures, with verified pairs remembered).
 */
export function sessionMiddleware(app: Koa, s: Pick<Settings, 'SESSION_COOKIE_AGE' | 'WEBUI_PATHPREFIX'>, models: AccountModels, secretKey: string) {
  const keys: CookieKeys = cookieKeys([secretKey]);
  // koa passes app.keys to `cookies` as they are
  app.keys = keys as unknown as string[];
  const store: SessionStore = databaseSessionStore(models);
  const maxAge = s.SESSION_COOKIE_AGE * 1000;
  const cookie = { maxAge, httpOnly: true, sameSite: 'lax' as const, signed: true, overwrite: true, path: s.WEBUI_PATHPREFIX || '/' };
  const genid = (): string => randomBytes(32).toString('base64url');

  /** Ends the stored session (if there is one) and expires the cookies. */
  const remove = async (rs: RequestSession): Promise<void> => {
    if (rs.sid !== '') {
      await store.destroy(rs.sid, { ctx: rs.ctx });
    }
    rs.ctx.cookies.set(SESSION_COOKIE, '', { ...cookie, expires: EPOCH, maxAge: undefined });
  };

  /** Saves the session when it changed (or a new id was asked for), and sends its cookie. */
  const commit = async (rs: RequestSession, regenerate = false): Promise<void> => {
    const session = rs.session;
    if (session === false) {
      await remove(rs);
      return;
    }
    if (regenerate) {
      await remove(rs);
      rs.sid = '';
    }
    if (!regenerate && (rs.stored === null ? countValues(session) === 0 : sameValues(session, rs.stored))) {
      return;
    }
    if (rs.sid === '') {
      rs.sid = genid();
    }
    const stored: SessionData = { ...valuesOf(session), _expire: Date.now() + maxAge, _maxAge: maxAge };
    // the row outlives the cookie a little, as koa-session had it
    await store.set(rs.sid, stored, maxAge + 10_000, { changed: true, rolling: false, ctx: rs.ctx });
    rs.stored = stored;
    rs.ctx.cookies.set(SESSION_COOKIE, rs.sid, cookie);
  };

  Object.defineProperty(app.context, 'session', {
    configurable: true,
    get(this: WithSession): Session | null | undefined {
      const rs = this[REQUEST_SESSION];
      return rs === undefined ? undefined : rs.session === false ? null : rs.session;
    },
    set(this: WithSession, value: unknown) {
      const rs = this[REQUEST_SESSION];
      if (rs === undefined) {
        return;
      }
      if (value === null) {
        rs.session = false;
      } else if (typeof value === 'object') {
        rs.session = makeSession(rs, value as SessionData, false);
      } else {
        throw new Error('ctx.session can only be set to null or an object');
      }
    },
  });

  /** The session id of the request's cookie, if its signature holds (a bad one is expired, as `cookies` does). */
  const signedId = (ctx: Context): string | undefined => {
    const header = ctx.req.headers.cookie;
    const id = header === undefined ? null : ID_COOKIE.exec(header);
    if (id === null) {
      return undefined;
    }
    const value = id[1][0] === '"' ? id[1].slice(1, -1) : id[1];
    const signature = SIGNATURE_COOKIE.exec(header as string);
    const sig = signature === null ? '' : signature[1][0] === '"' ? signature[1].slice(1, -1) : signature[1];
    if (sig === '' || value === '') {
      return undefined;
    }
    if (keys.index(`${SESSION_COOKIE}=${value}`, sig) < 0) {
      ctx.cookies.set(`${SESSION_COOKIE}.sig`, null, { path: '/', signed: false });
      return undefined;
    }
    return value;
  };

  return async function sessions(ctx: Context, next: Next): Promise<void> {
    if (accountState(ctx).secure) {
      // lets the cookies module mark the cookie Secure behind a TLS-terminating proxy
      (ctx.cookies as unknown as { secure: boolean }).secure = true;
    }
    const rs: RequestSession = { ctx, session: false, sid: '', stored: null, commit };
    const sid = signedId(ctx);
    const stored = sid === undefined ? null : await store.get(sid, maxAge, { rolling: false, ctx });
    if (sid !== undefined && stored !== null && !(typeof stored._expire === 'number' && stored._expire < Date.now())) {
      rs.sid = sid;
      rs.stored = stored;
      rs.session = makeSession(rs, stored, false);
    } else {
      // an id nobody stored is never adopted: a new session gets a new id when first saved
      rs.session = makeSession(rs, null, true);
    }
    (ctx as WithSession)[REQUEST_SESSION] = rs;
    try {
      await next();
    } finally {
      await commit(rs);
    }
  };
}
