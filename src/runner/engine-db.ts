/**
 * The engine's job database, created (or upgraded after an engine upgrade) by the runner when it
 * starts, with `oq engine --upgrade-db` under the runner's openquake.cfg: otherwise the first
 * calculation creates it, and its log opens with the engine's schema creation.
 */
import { execFile } from 'node:child_process';
import type { Logger } from '../logging/levels.js';
import type { Settings } from '../settings/schema.js';
import { engineCommandEnvironment, engineDbFile, prepareEngineData } from './engine-env.js';

/** How long the upgrade may take (the engine's first start compiles its .pyc and font cache). */
const UPGRADE_TIMEOUT_MS = 300_000;

/** The argv that upgrades the engine's database: the template up to `engine`, plus `--upgrade-db`; null without `engine`. */
export function upgradeDbArgv(engineCommand: string[]): string[] | null {
  const i = engineCommand.indexOf('engine');
  return i > 0 ? [...engineCommand.slice(0, i + 1), '--upgrade-db'] : null;
}

/**
 * Runs the upgrade and logs what the engine said; never throws (when it fails, the first
 * calculation creates the database, as before, and the log says why it could not be done here).
 */
export async function upgradeEngineDb(settings: Pick<Settings, 'ENGINE_COMMAND' | 'ENGINE_DATA_DIR' | 'DATA_DIR'>, log: Logger): Promise<void> {
  const argv = upgradeDbArgv(settings.ENGINE_COMMAND);
  if (argv === null) {
    return;
  }
  const file = engineDbFile(settings.ENGINE_DATA_DIR);
  try {
    prepareEngineData(settings.ENGINE_DATA_DIR, '', settings.DATA_DIR);
  } catch (e) {
    log.error(`The engine's database ${file} cannot be prepared: ${(e as Error).message}`);
    return;
  }
  const env = engineCommandEnvironment(process.env, settings.ENGINE_DATA_DIR, '');
  await new Promise<void>((resolve) => {
    // the runner may leave while the upgrade runs (its master killed): the upgrade leaves with it
    const killOnExit = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    const child = execFile(argv[0], argv.slice(1), { env, cwd: settings.ENGINE_DATA_DIR, timeout: UPGRADE_TIMEOUT_MS }, (err, stdout, stderr) => {
      process.off('exit', killOnExit);
      if (err !== null) {
        const e = err as NodeJS.ErrnoException & { killed?: boolean };
        const tail = stderr.trim().split('\n').slice(-3).join(' | ');
        const why = e.code === 'ENOENT' ? `${argv[0]} was not found` : e.killed ? `it did not end within ${UPGRADE_TIMEOUT_MS / 1000} s` : `${e.message.split('\n')[0]}${tail ? `: ${tail}` : ''}`;
        log.error(`The engine's database ${file} could not be created or upgraded (${JSON.stringify(argv)}): ${why}; the first calculation will create it`);
      } else {
        const said = stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('http'));
        log.info(`The engine's database ${file}: ${said.join(' ') || 'ready'}`);
      }
      resolve();
    });
  });
}
