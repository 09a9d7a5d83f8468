/**
 * The engine's version command: `oq --version` (the real engine has no `oq engine --version`:
 * argparse refuses it with exit 2). Used by `oq-webui check` and GET /v1/engine_version.
 */
import { execFile } from 'node:child_process';

/** The argv asking the version: the template up to (without) `engine`, plus `--version`. */
export function versionArgv(engineCommand: string[]): string[] {
  const i = engineCommand.indexOf('engine');
  return [...(i > 0 ? engineCommand.slice(0, i) : engineCommand.slice(0, 1)), '--version'];
}

/** The outcome of asking: the version, or exactly what failed. */
export type EngineVersion = { ok: true; version: string; argv: string[] } | { ok: false; problem: string; argv: string[] };

/** Runs the version command (10 s at most). */
export function engineVersion(engineCommand: string[], timeoutMs = 30_000): Promise<EngineVersion> {
  const argv = versionArgv(engineCommand);
  const [cmd, ...args] = argv;
  const shown = JSON.stringify(argv);
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (err === null && /^\d+\.\d+/.test(last)) {
        resolve({ ok: true, version: last, argv });
        return;
      }
      const e = err as (NodeJS.ErrnoException & { killed?: boolean; signal?: string }) | null;
      let why: string;
      if (e?.code === 'ENOENT') {
        why = `${cmd} was not found (ENOENT): give the full path of the engine's \`oq\` as the first element of ENGINE_COMMAND`;
      } else if (e?.code === 'EACCES') {
        why = `${cmd} cannot be run by this user (EACCES)`;
      } else if (e?.killed) {
        why = `it did not answer within ${timeoutMs / 1000} s`;
      } else if (e !== null) {
        const tail = stderr.trim().split('\n').slice(-3).join(' | ');
        why = `it exited with ${typeof e.code === 'number' ? `code ${e.code}` : `signal ${e.signal}`}${tail ? `: ${tail}` : ''}`;
      } else {
        why = `it printed no version (stdout: ${JSON.stringify(stdout.trim().slice(0, 200))})`;
      }
      resolve({ ok: false, problem: `ENGINE_COMMAND: the engine's version command ${shown} failed: ${why}`, argv });
    });
  });
}
