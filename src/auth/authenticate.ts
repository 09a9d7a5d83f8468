/**
 * Checks a username and password against the AUTHENTICATION_BACKENDS in order ("local": the
 * database's Django hash; "pam": the system). A first PAM login creates the account.
 */
import type { Logger } from '../logging/levels.js';
import type { AccountModels, User } from '../db/models/index.js';
import type { Settings } from '../settings/schema.js';
import { groupsNamedIn, setMemberships } from '../data/groups.js';
import { findUserNamed, insertUser, setLastLogin, setPasswordHash } from '../data/users.js';
import { pamAuthenticate, pamAvailable, unixGroupsOf } from './pam.js';
import { dummyVerify, hashPassword, UNUSABLE_PASSWORD_PREFIX, verifyPassword } from './passwords.js';

/** The outcome of one login attempt. */
export type LoginOutcome =
  | { ok: true; user: User; backend: 'local' | 'pam' }
  | { ok: false; reason: 'incorrect password' | 'the username does not exist' | 'disabled account' };

type AuthSettings = Pick<Settings, 'AUTHENTICATION_BACKENDS' | 'PAM_SERVICE' | 'PAM_MAP_UNIX_GROUPS'>;

function hasUsablePassword(user: User | null): user is User & { password: string } {
  return !!user && typeof user.password === 'string' && user.password !== '' && !user.password.startsWith(UNUSABLE_PASSWORD_PREFIX);
}

/**
 * PAM may vouch for an account only if it has no local password of its own (or came from PAM):
 * a unix account must not open a same-named local account, a local admin's for instance.
 */
function pamMayLogIn(user: User | null): boolean {
  return !user || user.source === 'pam' || !hasUsablePassword(user);
}

/** Checks the credentials; never throws for a wrong password, only for a broken database. */
export async function authenticate(
  models: AccountModels, s: AuthSettings, log: Logger,
  username: string, password: string, remoteHost: string,
): Promise<LoginOutcome> {
  let user = await findUserNamed(models, username);
  if (s.AUTHENTICATION_BACKENDS.includes('local')) {
    if (hasUsablePassword(user)) {
      const r = await verifyPassword(password, user.password);
      if (r.ok) {
        if (r.needsUpgrade) {
          await upgradeHash(models, user, password);
        }
        return user.isActive ? { ok: true, user, backend: 'local' } : { ok: false, reason: 'disabled account' };
      }
    } else {
      // an unknown user costs as much as a wrong password
      await dummyVerify(password);
    }
  }
  if (s.AUTHENTICATION_BACKENDS.includes('pam') && pamMayLogIn(user)) {
    const pam = pamAvailable();
    if (!pam.ok) {
      log.error(`PAM login of "${username}" impossible: ${pam.reason}`);
    } else {
      const r = await pamAuthenticate(username, password, s.PAM_SERVICE, remoteHost);
      if (r.ok) {
        user = user ?? await createPamAccount(models, username);
        if (!user.isActive) {
          return { ok: false, reason: 'disabled account' };
        }
        if (s.PAM_MAP_UNIX_GROUPS) {
          await mapUnixGroups(models, log, user);
        }
        return { ok: true, user, backend: 'pam' };
      }
      log.debug(`PAM refused "${username}": ${r.error}`);
    }
  }
  return { ok: false, reason: user ? 'incorrect password' : 'the username does not exist' };
}

/** Re-hashes a correct password stored with a weaker hash (fewer iterations, old salt). */
async function upgradeHash(models: AccountModels, user: User, password: string): Promise<void> {
  const hash = await hashPassword(password);
  await setPasswordHash(models, user.id, hash);
  user.password = hash;
}

/** The account of a first PAM login: no local password, so an admin can put it in groups. */
async function createPamAccount(models: AccountModels, username: string): Promise<User> {
  const created = await insertUser(models, {
    username, email: '', password: null, isStaff: false, isSuperuser: false, isActive: true, source: 'pam',
  });
  // null: another worker created it a moment ago
  const user = created ?? await findUserNamed(models, username);
  if (!user) {
    throw new Error(`cannot create the account of "${username}"`);
  }
  return user;
}

/** Makes the user a member of exactly the existing groups named like their unix groups. */
async function mapUnixGroups(models: AccountModels, log: Logger, user: User): Promise<void> {
  let unixGroups: string[];
  try {
    unixGroups = await unixGroupsOf(user.username);
  } catch (e) {
    log.warning(`cannot read the unix groups of "${user.username}", memberships unchanged: ${(e as Error).message}`);
    return;
  }
  const groups = await groupsNamedIn(models, unixGroups);
  await setMemberships(models, user.id, groups.map((g) => g.id));
}

/** Records the time of a successful login. */
export async function touchLastLogin(models: AccountModels, user: User): Promise<void> {
  const now = new Date();
  await setLastLogin(models, user.id, now);
  user.lastLogin = now;
}
