/**
 * PAM logins through authenticate-pam, loaded lazily (a server without PAM still runs). It only
 * calls pam_authenticate(), so pam_unix's expiry rules are re-applied here from /etc/shadow.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';

/** Service name of the shipped config/pam.d/oq-webui (copy it to /etc/pam.d/). */
export const DEFAULT_PAM_SERVICE = 'oq-webui';

/** Whether PAM can be used, and if not why and how to fix it. */
export type PamAvailability = { ok: true } | { ok: false; reason: string };

/** Outcome of one PAM authentication. */
export type PamResult = { ok: true } | { ok: false; error: string };

type PamCallback = (error?: string) => void;

interface PamOptions {
  serviceName: string;
  remoteHost?: string | undefined; // the addon skips undefined and ''
}

interface PamModule {
  authenticate(username: string, password: string, callback: PamCallback, options: PamOptions): void;
}

/** authenticate-pam copies each string into a 128-byte C buffer, silently truncating. */
const MAX_FIELD_BYTES = 127;
const CHILD_TIMEOUT_MS = 10_000;
const C_LOCALE_ENV = { ...process.env, LC_ALL: 'C' };

let loaded: { module: PamModule } | { reason: string } | null = null;

/** Load authenticate-pam once, remembering why it failed if it did. */
function loadPam(): { module: PamModule } | { reason: string } {
  if (loaded === null) {
    try {
      const require = createRequire(import.meta.url);
      loaded = { module: require('authenticate-pam') as PamModule };
    } catch (error) {
      // the first line only: Node adds a multi-line "Require stack"
      const why = (error instanceof Error ? error.message : String(error)).split('\n')[0];
      loaded = {
        reason: `the authenticate-pam native module cannot be loaded (${why}); `
          + 'install the PAM headers (Debian/Ubuntu: apt-get install libpam0g-dev build-essential python3; '
          + 'RHEL: dnf install pam-devel gcc-c++ make python3), then run `npm rebuild authenticate-pam` '
          + '(its install script must be allowed to run)',
      };
    }
  }
  return loaded;
}

/** Whether the authenticate-pam addon is loadable; the reason names the fix if not. */
export function pamAvailable(): PamAvailability {
  const pam = loadPam();
  return 'module' in pam ? { ok: true } : { ok: false, reason: pam.reason };
}

/** Why authenticate-pam would mishandle these strings (NUL, truncation), or null. */
function unsafeInput(username: string, password: string, service: string): string | null {
  const fields: Array<[string, string]> = [['username', username], ['password', password], ['service', service]];
  for (const [name, value] of fields) {
    if (value === '') {
      return `empty ${name}`;
    }
    if (value.includes('\0')) {
      return `${name} contains a NUL character`;
    }
    if (Buffer.byteLength(value, 'utf8') > MAX_FIELD_BYTES) {
      return `${name} longer than ${MAX_FIELD_BYTES} bytes`;
    }
  }
  return null;
}

/**
 * Check a username and password with the PAM stack of `service`
 * (/etc/pam.d/<service>; PAM falls back to /etc/pam.d/other when it is missing),
 * then refuse expired local accounts, which pam_authenticate() alone lets in.
 * Never throws: failures come back as { ok: false, error }.
 */
export async function pamAuthenticate(username: string, password: string, service: string, remoteHost?: string): Promise<PamResult> {
  const pam = loadPam();
  if (!('module' in pam)) {
    return { ok: false, error: pam.reason };
  }
  const refused = unsafeInput(username, password, service);
  if (refused !== null) {
    return { ok: false, error: `refused before PAM: ${refused}` };
  }
  const result = await callPam(pam.module, username, password, { serviceName: service, remoteHost });
  if (!result.ok) {
    return result;
  }
  const expired = await shadowExpiry(username);
  return expired === null ? result : { ok: false, error: expired };
}

/** One pam_authenticate() through the addon, as a promise that never rejects. */
function callPam(pam: PamModule, username: string, password: string, options: PamOptions): Promise<PamResult> {
  return new Promise((resolve) => {
    try {
      pam.authenticate(username, password, (error) => {
        resolve(error === undefined ? { ok: true } : { ok: false, error: error || 'PAM authentication failed' });
      }, options);
    } catch (error) {
      resolve({ ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  });
}

/**
 * pam_unix's account-expiry rules (account expired, or password expired past
 * its inactivity period) on the user's /etc/shadow entry, read with
 * `getent shadow`; null when the account is valid or has no readable entry
 * (non-local users, or not running as root).
 */
async function shadowExpiry(username: string): Promise<string | null> {
  const entry = await runQuiet('getent', ['shadow', '--', username]);
  const fields = entry?.trim().split(':') ?? [];
  if (fields.length < 8 || fields[0] !== username) {
    return null;
  }
  const [lastChange, maxDays, inactiveDays, expireDay] = [2, 4, 6, 7].map((i) => shadowNumber(fields[i]));
  const today = Math.floor(Date.now() / 86_400_000);
  if (expireDay !== -1 && today >= expireDay) {
    return 'account expired';
  }
  if (lastChange > 0 && maxDays !== -1 && inactiveDays !== -1 && today - lastChange > maxDays + inactiveDays) {
    return 'password expired and account inactive';
  }
  return null;
}

/** A numeric /etc/shadow field, -1 when empty or not a number (as libc does). */
function shadowNumber(field: string | undefined): number {
  return field !== undefined && /^\d+$/.test(field) ? Number(field) : -1;
}

/** stdout of a command run without a shell, or null if it failed. */
function runQuiet(command: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: CHILD_TIMEOUT_MS, env: C_LOCALE_ENV }, (error, stdout) => {
      resolve(error === null ? stdout : null);
    });
  });
}

/**
 * The names of the Unix groups of a user (primary and supplementary), from
 * `id -Gn -- <username>` (no shell). Unknown users have no groups.
 */
export function unixGroupsOf(username: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile('id', ['-Gn', '--', username], { timeout: CHILD_TIMEOUT_MS, env: C_LOCALE_ENV }, (error, stdout, stderr) => {
      if (error === null) {
        resolve(stdout.trim().split(/\s+/).filter((name) => name !== ''));
      } else if (typeof error.code === 'number' && /no such user/i.test(stderr)) {
        resolve([]);
      } else {
        reject(new Error(`id -Gn ${username} failed: ${stderr.trim() || error.message}`));
      }
    });
  });
}
