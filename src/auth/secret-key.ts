/** SECRET_KEY: from the settings, or generated once into DATA_DIR/secret_key (mode 0600). */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Settings } from '../settings/schema.js';

/** Where the generated key lives. */
export function secretKeyFile(s: Pick<Settings, 'DATA_DIR'>): string {
  return join(s.DATA_DIR, 'secret_key');
}

/**
 * The key that signs session cookies: SECRET_KEY if set, else the key file's content, created
 * with a fresh random key when absent ('wx': two processes racing both end up with one key).
 */
export function ensureSecretKey(s: Pick<Settings, 'DATA_DIR' | 'SECRET_KEY'>): { key: string; created: boolean; file: string | null } {
  if (s.SECRET_KEY) {
    return { key: s.SECRET_KEY, created: false, file: null };
  }
  const file = secretKeyFile(s);
  let created = false;
  try {
    mkdirSync(s.DATA_DIR, { recursive: true });
    writeFileSync(file, `${randomBytes(48).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
    created = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new Error(`cannot create the secret key file ${file}: ${(e as Error).message}`);
    }
  }
  const key = readFileSync(file, 'utf8').trim();
  if (key.length < 32) {
    throw new Error(`the secret key in ${file} is shorter than 32 characters: delete the file to generate a new one`);
  }
  return { key, created, file };
}

/** Whether the key file can be read by others than its owner (a warning for the operator). */
export function secretKeyFileTooOpen(file: string): boolean {
  try {
    return (statSync(file).mode & 0o077) !== 0;
  } catch {
    return false;
  }
}
