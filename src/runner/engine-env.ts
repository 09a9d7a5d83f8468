/**
 * Where the engine keeps its files and the environment each engine run gets (HOME, OQ_CONFIG_FILE,
 * the operator's ENGINE_CONFIG as ~/openquake.cfg, OQ_DATADIR, TMPDIR, TZ=UTC, a user name other
 * than `openquake`), as learned from the real engine (.notes/real-engine.md; the reasons:
 * docs/architecture.md, "Reasons moved out of file headers").
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';

/**
 * `mkdir -p dir`, but below `root` only when `root` exists: a data folder moved away (or not
 * mounted) is never recreated empty in its place, which would stop it being moved back. A `dir`
 * outside `root` (an ENGINE_DATA_DIR of the operator's choosing) is made as `mkdir -p`.
 */
export function mkdirBelow(root: string, dir: string): void {
  const rel = relative(root, dir);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    mkdirSync(dir, { recursive: true });
    return;
  }
  const gone = new Error(`the folder ${root} is gone (moved, deleted or not mounted): nothing is created in its place`);
  if (!existsSync(root)) {
    throw gone;
  }
  let at = root;
  for (const part of rel.split(sep).filter(Boolean)) {
    at = join(at, part);
    try {
      // one level at a time: fails if `root` goes meanwhile, where `recursive` would recreate it
      mkdirSync(at);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        throw gone;
      }
      if (code !== 'EEXIST') {
        throw err;
      }
    }
  }
}

/** The engine's job database in the engine data folder. */
export function engineDbFile(engineDataDir: string): string {
  return join(engineDataDir, 'db.sqlite3');
}

/** The configuration file given to the engine with OQ_CONFIG_FILE (read last: its lines win). */
export function engineConfigFile(engineDataDir: string): string {
  return join(engineDataDir, 'oq-webui.cfg');
}

/** The engine's `~/openquake.cfg` (HOME is the engine data folder): the operator's ENGINE_CONFIG. */
export function operatorConfigFile(engineDataDir: string): string {
  return join(engineDataDir, 'openquake.cfg');
}

/** The temporary folder of one run (inside the calculation's folder). */
export function engineTmpDir(calcFolder: string): string {
  return join(calcFolder, 'tmp');
}

/** The configuration the runner gives the engine (read last, so it wins over the site's and the operator's). */
export function engineConfigText(engineDataDir: string): string {
  return [
    '# Written by oq-webui for the engines it runs (OQ_CONFIG_FILE); rewritten at each run.',
    '[dbserver]',
    '# the engine\'s own job database (its calculation ids, used by --hc)',
    `file = ${engineDbFile(engineDataDir)}`,
    '',
    '[distribution]',
    '# 0: do not wait for the other jobs of this database (oq-webui decides how many run at once)',
    'serialize_jobs = 0',
    '',
    '[directory]',
    '# datastores go to $OQ_DATADIR (each calculation\'s folder), temporary files to $TMPDIR',
    'shared_dir =',
    'custom_tmp =',
    '',
  ].join('\n');
}

/** Writes `text` to `file` unless it already holds it. */
function writeIfChanged(file: string, text: string): void {
  let old: string | null = null;
  try {
    old = readFileSync(file, 'utf8');
  } catch {
    // first run
  }
  if (old !== text) {
    writeFileSync(file, text);
  }
}

/**
 * Creates the engine data folder (below `dataDir` only while it exists: mkdirBelow) and writes
 * the engine's configuration: ours, and a copy of the operator's openquake.cfg (`operatorConfig`,
 * '' for none) read under it; a missing one throws.
 */
export function prepareEngineData(engineDataDir: string, operatorConfig: string, dataDir: string): void {
  mkdirBelow(dataDir, join(engineDataDir, 'matplotlib'));
  writeIfChanged(engineConfigFile(engineDataDir), engineConfigText(engineDataDir));
  if (operatorConfig === '') {
    // none (any older copy, or the runner's own file of earlier versions, must not apply)
    rmSync(operatorConfigFile(engineDataDir), { force: true });
  } else {
    writeIfChanged(operatorConfigFile(engineDataDir), readFileSync(operatorConfig, 'utf8'));
  }
}

/** What an engine run's environment depends on. */
export interface EngineEnvSpec {
  engineDataDir: string;
  calcFolder: string;
  /** The WebUI job id (OQ_CALC_ID, looked for by restart recovery in /proc/PID/environ). */
  jobId: number;
  /** The job's owner: the engine records it as its job's user. */
  owner: string;
}

/** The user name the engine sees: the owner, but never `openquake` (that means "use a DbServer"). */
export function engineUserName(owner: string): string {
  return owner === '' || owner === 'openquake' ? 'oq-webui' : owner;
}

/**
 * What every engine command gets, runs and `--upgrade-db` alike: its HOME, configuration and
 * user (above), and CI set, the engine's only switch (engine.py check_obsolete_version; it has
 * no openquake.cfg setting) that stops it asking api.openquake.org for a newer version at every
 * run: a server must not call out, and the failed call put a WARNING in every calculation's log.
 */
export function engineCommandEnvironment(base: NodeJS.ProcessEnv, engineDataDir: string, owner: string): NodeJS.ProcessEnv {
  const user = engineUserName(owner);
  const env: NodeJS.ProcessEnv = {
    ...base,
    HOME: engineDataDir,
    OQ_CONFIG_FILE: engineConfigFile(engineDataDir),
    MPLCONFIGDIR: join(engineDataDir, 'matplotlib'),
    TZ: 'UTC',
    LOGNAME: user,
    USER: user,
    CI: 'true',
  };
  // the engine must not look like a job runner to restart recovery
  delete env.OQ_WEBUI_CHILD;
  // always the job database file itself, never a DbServer, even when the operator's [dbserver]
  // host names the master node (remote zmq workers compare it with theirs)
  env.OQ_DATABASE = '127.0.0.1';
  return env;
}

/** The environment of one calculation's engine: the above, plus its datastore folder, job id and temporary folder. */
export function engineEnvironment(base: NodeJS.ProcessEnv, spec: EngineEnvSpec): NodeJS.ProcessEnv {
  return {
    ...engineCommandEnvironment(base, spec.engineDataDir, spec.owner),
    OQ_DATADIR: spec.calcFolder,
    OQ_CALC_ID: String(spec.jobId),
    TMPDIR: engineTmpDir(spec.calcFolder),
  };
}
