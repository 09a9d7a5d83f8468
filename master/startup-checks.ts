import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { ensureSecretKey, secretKeyFileTooOpen } from '../src/auth/secret-key.js';
import { defaultDatabaseUrl, sqlitePath } from '../src/db/url.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { START_ERROR } from '../src/ipc/protocol.js';
import { HaltServer } from './errors.js';
import type { Logger } from '../src/logging/levels.js';
import { parseBind } from '../src/settings/bind.js';
import type { Settings } from '../src/settings/schema.js';

const run = promisify(execFile);

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** Whether any TCP address is reachable from other machines. */
export function exposedBinds(binds: string[]): string[] {
  return binds.filter((b) => {
    const a = parseBind(b);
    return a.kind === 'tcp' && !isLoopback(a.host);
  });
}

/** Checks made once by the master before it binds: loud warnings an operator must see. */
export async function startupChecks(settings: Settings, log: Logger): Promise<void> {
  await prepareAccounts(settings, log);
  const exposed = exposedBinds(settings.BIND);
  if (!settings.LOCKDOWN && exposed.length > 0) {
    const line = '!'.repeat(78);
    log.warning(line);
    log.warning(`LOCKDOWN is off and the server listens on ${exposed.join(', ')}: ANYONE WHO CAN REACH IT`);
    log.warning('CAN RUN AND DELETE CALCULATIONS. Set "LOCKDOWN": true, or bind to 127.0.0.1 behind nginx.');
    log.warning(line);
  }
}

/**
 * Before any worker starts: a fresh checkout gets its default SQLite database created and
 * migrated (an existing database is left alone: workers refuse it while migrations are
 * pending), and SECRET_KEY, when unset, is generated once into DATA_DIR/secret_key.
 */
export async function prepareAccounts(settings: Settings, log: Logger): Promise<void> {
  const file = sqlitePath(settings.DATABASE);
  if (file !== null && settings.DATABASE === defaultDatabaseUrl(settings) && !existsSync(file)) {
    // `oq-webui migrate` in a child process: the master never loads the database code, so it stays small
    const { stdout } = await run(process.execPath, [join(PACKAGE_ROOT, 'bin', 'oq-webui.js'), 'migrate', '--database', settings.DATABASE, '--data-dir', settings.DATA_DIR])
      .catch((e: Error & { stderr?: string }) => {
        throw new HaltServer(`Cannot create the database ${file}: ${e.stderr?.trim() || e.message}`, START_ERROR);
      });
    log.info(`Created the database ${file}:`);
    // one log line per line of migrate's output (the log formatter would escape a line break)
    for (const line of stdout.trim().split('\n').filter((l) => l.trim() !== '')) {
      log.info(`  ${line.trim()}`);
    }
  } else if (file !== null && !existsSync(file)) {
    // refused here, before any worker: once the server serves, a database gone is an outage workers wait out
    const cause = existsSync(dirname(file)) ? 'it' : `its folder ${dirname(file)}`;
    throw new HaltServer(`Cannot start: the database at ${file} does not exist (${cause} is missing): put the data folder back, or create the database with "oq-webui migrate"`, START_ERROR);
  }
  const secret = ensureSecretKey(settings);
  if (secret.created) {
    log.info(`Generated SECRET_KEY into ${secret.file} (mode 0600)`);
  } else if (secret.file && secretKeyFileTooOpen(secret.file)) {
    log.warning(`${secret.file} can be read by other users: anyone who reads it can forge login sessions (chmod 600 it)`);
  }
  if (settings.AUTHENTICATION_BACKENDS.includes('pam')) {
    const { pamAvailable } = await import('../src/auth/pam.js');
    const pam = pamAvailable();
    if (!pam.ok) {
      log.error(`AUTHENTICATION_BACKENDS includes "pam" but ${pam.reason}: PAM logins will fail`);
    }
  }
}
