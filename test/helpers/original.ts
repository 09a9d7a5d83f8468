/**
 * The original OpenQuake WebUI (the engine's own Django application, openquake/server), run the way
 * a team runs it: gunicorn on `openquake.server.wsgi:application` with its own temp data folder,
 * engine database (`oq engine --upgrade-db`), local_settings.py, `migrate`, and users and groups
 * made through its own Django models (as its `createuser` command does, in one `shell` call).
 *
 * What keeps it self-contained (learned from 3.26's settings.py, commonlib/logs.py, engine.py):
 * - OQ_CONFIG_FILE names our openquake.cfg: its database in the temp folder, `serialize_jobs = 0`.
 * - LOGNAME/USER are not `openquake`: the engine then opens the SQLite file itself instead of
 *   asking a DbServer on 127.0.0.1:1908; WEBUI_USER is set to that name, because the original
 *   writes webui-access.log only when the process runs as WEBUI_USER.
 * - CI=1: the engine and /v1/engine_latest_version skip calling api.openquake.org.
 * - EMAIL_BACKEND is the file backend: under LOCKDOWN apps.py refuses to start without one.
 * Its engine runs are processes forked by the gunicorn worker (multiprocessing), in gunicorn's
 * process group, which `stop()` ends as a whole.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, sleep, tempDir, waitFor } from './server.js';

const run = promisify(execFile);

/** The engine's venv (scripts/install-openquake-engine.sh). */
export const ENGINE_VENV = process.env.OQ_ENGINE_VENV ?? '/opt/openquake/venv';

/** The installed openquake package folder, or null. */
export function openquakePackage(venv = ENGINE_VENV): string | null {
  const lib = join(venv, 'lib');
  const py = existsSync(lib) ? readdirSync(lib).find((d) => d.startsWith('python3')) : undefined;
  const dir = py ? join(lib, py, 'site-packages', 'openquake') : '';
  return dir && existsSync(join(dir, 'server', 'wsgi.py')) ? dir : null;
}

/** Why the original cannot run here, or null when it can. */
export function originalMissing(venv = ENGINE_VENV): string | null {
  const pkg = openquakePackage(venv);
  if (!pkg) {
    return `no OpenQuake Engine in ${venv} (scripts/install-openquake-engine.sh)`;
  }
  if (!existsSync(join(venv, 'bin', 'gunicorn'))) {
    return `no gunicorn in ${venv} (scripts/install-openquake-engine.sh adds it)`;
  }
  if (!existsSync(join(pkg, 'server', 'templates', 'registration', 'password_reset_email_content.txt'))) {
    return `the registration templates of ${pkg}/server are not made (scripts/install-openquake-engine.sh)`;
  }
  return null;
}

/** One user of the original; `groups` are made when missing. */
export interface OriginalUser {
  username: string;
  password: string;
  superuser?: boolean;
  /** The interface level of user_profile (0 view only, 1 simplified, 2 advanced). */
  level?: number;
  groups?: string[];
}

/** What to start. */
export interface OriginalOptions {
  /** OQ_APPLICATION_MODE: RESTRICTED turns LOCKDOWN on. */
  mode?: 'PUBLIC' | 'RESTRICTED' | 'READ_ONLY';
  workers?: number;
  users?: OriginalUser[];
  /** Extra lines of local_settings.py. */
  settings?: string[];
  venv?: string;
}

/** A running original. */
export interface OriginalServer {
  base: string;
  port: number;
  dir: string;
  /** The folder of webui-access.log. */
  logDir: string;
  /** Its engine database (the job, log, output tables). */
  dbFile: string;
  /** The user the engine runs as (its `<user>@<host> running` lines). */
  osUser: string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Pids of gunicorn's master and workers. */
  pids(): number[];
  output(): string;
  stop(): Promise<void>;
}

const OS_USER = 'oqparity';

/** The environment of every original process (manage.py, oq, gunicorn and the engines it forks). */
function originalEnv(dir: string, settingsDir: string, mode: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dir, OQ_CONFIG_FILE: join(dir, 'openquake.cfg'), OQ_DATADIR: join(dir, 'oqdata'),
    PYTHONPATH: settingsDir, OQ_APPLICATION_MODE: mode, CI: '1', TZ: 'UTC',
    MPLCONFIGDIR: join(dir, 'matplotlib'), LOGNAME: OS_USER, USER: OS_USER, PYTHONDONTWRITEBYTECODE: '1',
  };
  delete env.OQ_DATABASE;
  delete env.WEB_CONCURRENCY;
  return env;
}

/** The Django shell program that makes the users, their profile level and groups. */
function usersProgram(users: OriginalUser[]): string {
  return [
    'import json',
    'from django.contrib.auth.models import User, Group',
    `for u in json.loads(${JSON.stringify(JSON.stringify(users))}):`,
    '    user = User.objects.create_user(u["username"], password=u["password"], email=u["username"] + "@example.org")',
    '    user.is_superuser = user.is_staff = bool(u.get("superuser"))',
    '    user.save()',
    '    user.profile.level = u.get("level", 2)',
    '    user.profile.save()',
    '    for g in u.get("groups", []):',
    '        user.groups.add(Group.objects.get_or_create(name=g)[0])',
  ].join('\n');
}

/** Starts the original WebUI under gunicorn on a free loopback port. */
export async function startOriginal(opts: OriginalOptions = {}): Promise<OriginalServer> {
  const venv = opts.venv ?? ENGINE_VENV;
  const missing = originalMissing(venv);
  if (missing) {
    throw new Error(`cannot start the original WebUI: ${missing}`);
  }
  const serverDir = join(openquakePackage(venv) as string, 'server');
  const mode = opts.mode ?? 'RESTRICTED';
  const dir = tempDir('oq-original-');
  const settingsDir = join(dir, 'settings');
  const logDir = join(dir, 'logs');
  for (const d of [settingsDir, logDir, join(dir, 'oqdata'), join(dir, 'tmp'), join(dir, 'mail')]) {
    mkdirSync(d, { recursive: true });
  }
  const dbFile = join(dir, 'db.sqlite3');
  writeFileSync(join(dir, 'openquake.cfg'), [
    '[dbserver]', `file = ${dbFile}`, '', '[distribution]', 'serialize_jobs = 0', '',
    '[directory]', 'shared_dir =', `custom_tmp = ${join(dir, 'tmp')}`, '',
  ].join('\n'));
  writeFileSync(join(settingsDir, 'local_settings.py'), [
    `WEBUI_USER = ${JSON.stringify(OS_USER)}`,
    `WEBUI_ACCESS_LOG_DIR = ${JSON.stringify(logDir)}`,
    'DEBUG = False',
    'EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"',
    `EMAIL_FILE_PATH = ${JSON.stringify(join(dir, 'mail'))}`,
    ...(opts.settings ?? []),
    '',
  ].join('\n'));
  const env = originalEnv(dir, settingsDir, mode);
  const python = join(venv, 'bin', 'python');
  const manage = join(serverDir, 'manage.py');
  const opt = { env, cwd: dir, maxBuffer: 16 * 1024 * 1024 };
  try {
    await run(join(venv, 'bin', 'oq'), ['engine', '--upgrade-db'], opt);
    await run(python, [manage, 'migrate', '--verbosity', '0'], opt);
    if (opts.users?.length) {
      await run(python, [manage, 'shell', '-c', usersProgram(opts.users)], opt);
    }
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // its own process group: stop() ends gunicorn, its workers and the engines they forked together
  const proc: ChildProcess = spawn(join(venv, 'bin', 'gunicorn'), [
    '--bind', `127.0.0.1:${port}`, '--workers', String(opts.workers ?? 2), '--timeout', '1200',
    'openquake.server.wsgi:application',
  ], { env, cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  let gone = false;
  void exited.then(() => { gone = true; });
  const pids = (): number[] => {
    const all = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number);
    return all.filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2] === String(proc.pid) && /gunicorn/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
      } catch {
        return false;
      }
    });
  };
  const server: OriginalServer = {
    base, port, dir, logDir, dbFile, osUser: OS_USER,
    fetch: (path, init) => fetch(`${base}${path}`, { redirect: 'manual', ...init }),
    pids,
    output: () => out,
    async stop() {
      if (!gone) {
        try {
          process.kill(-(proc.pid as number), 'SIGTERM');
        } catch {
          // already gone
        }
        const t = setTimeout(() => {
          try {
            process.kill(-(proc.pid as number), 'SIGKILL');
          } catch {
            // already gone
          }
        }, 10_000);
        await exited;
        clearTimeout(t);
      }
      // engines forked by a worker may outlive gunicorn's master for a moment
      try {
        process.kill(-(proc.pid as number), 'SIGKILL');
      } catch {
        // the group is empty
      }
      await sleep(50);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor(async () => {
      if (gone) {
        throw new Error(`gunicorn exited: ${out.slice(-2000)}`);
      }
      return (await fetch(`${base}/v1/engine_version`)).status > 0;
    }, 60_000, 'the original WebUI to answer');
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server;
}
