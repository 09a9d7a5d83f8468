/**
 * Test factories for accounts: users and groups written straight into a server's real SQLite
 * database (the one of `startServer`'s data folder), and logging in through the server.
 *
 * Passwords are stored as Django hashes with few iterations (FAST_ITERATIONS): a real,
 * supported format (any iteration count verifies), which keeps tests fast; the server
 * upgrades such a hash to full strength at the first successful login, as it must.
 */
import { join } from 'node:path';
import { hashPassword } from '../../src/auth/passwords.js';
import { openAppDatabase, type OpenDatabase } from '../../src/db/database.js';
import type { User } from '../../src/db/models/index.js';
import { startServer, type RunningServer, type StartOptions } from './server.js';

/** Iterations of the hashes the factory stores (the server's own hashes use 600,000). */
export const FAST_ITERATIONS = 1000;

/** A password that passes every validator. */
export const GOOD_PASSWORD = 'correct-Horse-battery-9';

/** What a test user is made of. */
export interface UserSpec {
  username: string;
  password?: string | null;
  email?: string;
  isStaff?: boolean;
  isSuperuser?: boolean;
  isActive?: boolean;
  source?: 'local' | 'pam';
  /** Group names; missing groups are created. */
  groups?: string[];
}

/** The database URL of a server started by startServer (its own DATABASE, else the default SQLite file). */
export function serverDatabaseUrl(server: Pick<RunningServer, 'dataDir'> & { database?: string }): string {
  return server.database ?? `sqlite:${join(server.dataDir, 'webui.sqlite3')}`;
}

/** A factory bound to one database; close() it in after(). */
export interface AccountFactory {
  db: OpenDatabase;
  createUser(spec: UserSpec): Promise<User>;
  createGroup(name: string): Promise<number>;
  addToGroup(username: string, group: string): Promise<void>;
  close(): Promise<void>;
}

/** Opens a server's database (or any migrated DATABASE URL) for writing test data. */
export async function accountFactory(target: Pick<RunningServer, 'dataDir'> & { database?: string } | string): Promise<AccountFactory> {
  const db = await openAppDatabase(typeof target === 'string' ? target : serverDatabaseUrl(target));
  const { User, Group, Membership } = db.models;
  const createGroup = async (name: string): Promise<number> => {
    const found = await Group.findOne({ where: { name } });
    return found ? found.id : (await Group.create({ name })).id;
  };
  const addToGroup = async (username: string, group: string): Promise<void> => {
    const user = await User.findOne({ where: { username } });
    if (!user) {
      throw new Error(`no user ${username}`);
    }
    await Membership.bulkCreate([{ userId: user.id, groupId: await createGroup(group) }], { ignoreDuplicates: true });
  };
  return {
    db,
    async createUser(spec) {
      const password = spec.password === null ? null : await hashPassword(spec.password ?? GOOD_PASSWORD, FAST_ITERATIONS);
      const user = await User.create({
        username: spec.username, email: spec.email ?? '', password,
        isStaff: spec.isStaff ?? false, isSuperuser: spec.isSuperuser ?? false, isActive: spec.isActive ?? true,
        source: spec.source ?? 'local', dateJoined: new Date(),
      });
      for (const g of spec.groups ?? []) {
        await addToGroup(spec.username, g);
      }
      return user;
    },
    createGroup,
    addToGroup,
    close: () => db.sequelize.close(),
  };
}

/** The `name=value` pairs of Set-Cookie headers, for a Cookie header. */
export function cookieHeader(res: Response, previous = ''): string {
  const jar = new Map<string, string>();
  for (const pair of previous.split(/;\s*/).filter(Boolean)) {
    const i = pair.indexOf('=');
    jar.set(pair.slice(0, i), pair.slice(i + 1));
  }
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const i = pair.indexOf('=');
    const name = pair.slice(0, i).trim();
    const value = pair.slice(i + 1).trim();
    if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) {
      jar.delete(name);
    } else {
      jar.set(name, value);
    }
  }
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

/** Logs in through POST /accounts/ajax_login/; resolves with the Cookie header to send after. */
export async function login(server: Pick<RunningServer, 'fetch'>, username: string, password = GOOD_PASSWORD, prefix = ''): Promise<string> {
  const res = await server.fetch(`${prefix}/accounts/ajax_login/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }).toString(),
  });
  const text = await res.text();
  if (res.status !== 200) {
    throw new Error(`login of ${username} failed: ${res.status} ${text}`);
  }
  return cookieHeader(res);
}

/** A LOCKDOWN server, its users' ids and the cookies of those logged in. */
export interface LockdownServer {
  server: RunningServer;
  ids: Record<string, number>;
  cookies: Record<string, string>;
}

/**
 * Starts a server with LOCKDOWN on (and `opts.settings`), creates `users` in its database and
 * logs in those named in `loginAs` (their password: GOOD_PASSWORD unless the spec gives one).
 */
export async function lockdownServer(users: UserSpec[], opts: StartOptions & { loginAs?: string[] } = {}): Promise<LockdownServer> {
  const { loginAs = [], ...start } = opts;
  const server = await startServer({ workers: 2, ...start, settings: { LOCKDOWN: true, ...(start.settings ?? {}) } });
  const ids: Record<string, number> = {};
  const cookies: Record<string, string> = {};
  try {
    const f = await accountFactory(server);
    try {
      for (const spec of users) {
        ids[spec.username] = (await f.createUser(spec)).id;
      }
    } finally {
      await f.close();
    }
    for (const name of loginAs) {
      const spec = users.find((u) => u.username === name);
      cookies[name] = await login(server, name, spec?.password ?? GOOD_PASSWORD);
    }
  } catch (e) {
    await server.stop();
    throw e;
  }
  return { server, ids, cookies };
}
