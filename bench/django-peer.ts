/**
 * The Django + gunicorn peer (../shared/peers/django-webui), started as its README says, with
 * Debian's python3-django and gunicorn: a copy in a temp folder, seeded by its seed.py,
 * served by `python3 -m gunicorn wsgi:application -w 2`.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_ROOT } from '../src/paths.js';
import { freePort, sleep, tempDir } from '../test/helpers/server.js';

const run = promisify(execFile);

/** The interpreter that has Debian's Django (not whatever python3 comes first in PATH). */
const PYTHON = process.env.PEER_PYTHON ?? '/usr/bin/python3';
/** Where the peer's sources are. */
export const PEER_SOURCE = process.env.PEER_DIR ?? join(PACKAGE_ROOT, '..', 'shared', 'peers', 'django-webui');

/** Why the peer cannot run here, or null when it can. */
export function peerMissing(): string | null {
  if (!existsSync(join(PEER_SOURCE, 'seed.py'))) {
    return `the peer's sources are not at ${PEER_SOURCE} (set PEER_DIR)`;
  }
  if (!existsSync(PYTHON)) {
    return `${PYTHON} does not exist (apt-get install python3-django gunicorn)`;
  }
  const probe = spawnSync(PYTHON, ['-c', 'import django, gunicorn; print(django.__version__, gunicorn.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    return `Django or gunicorn is not installed for ${PYTHON} (apt-get install python3-django gunicorn)`;
  }
  return null;
}

/** Django's and gunicorn's versions, as the peer runs them. */
export function peerVersions(): string {
  const probe = spawnSync(PYTHON, ['-c', 'import django, gunicorn; print("Django", django.__version__, "gunicorn", gunicorn.__version__)'], { encoding: 'utf8' });
  return probe.stdout.trim();
}

/** A running peer. */
export interface Peer {
  base: string;
  /** The Cookie header of alice's session. */
  cookie: string;
  /** Pids of gunicorn's master and workers. */
  pids(): number[];
  /** Stops gunicorn, seeds `jobs` jobs afresh, starts it again and logs in again. */
  reseed(jobs: number): Promise<void>;
  stop(): Promise<void>;
}

/** Copies, seeds with `jobs` jobs and starts the peer with 2 gunicorn workers. */
export async function startPeer(jobs: number, workers = 2): Promise<Peer> {
  const dir = tempDir('oq-bench-peer-');
  cpSync(PEER_SOURCE, dir, { recursive: true });
  const env = { ...process.env, PEER_DB: join(dir, 'peer.sqlite3'), PYTHONDONTWRITEBYTECODE: '1' };
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let proc: ChildProcess | null = null;
  let cookie = '';
  let out = '';

  const seed = async (n: number): Promise<void> => {
    await run(PYTHON, ['seed.py'], { cwd: dir, env: { ...env, PEER_JOBS: String(n) }, maxBuffer: 1 << 24 });
  };
  const start = async (): Promise<void> => {
    const p = spawn(PYTHON, ['-m', 'gunicorn', 'wsgi:application', '-w', String(workers), '-b', `127.0.0.1:${port}`], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    proc = p;
    p.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
    const until = Date.now() + 20_000;
    for (;;) {
      if (p.exitCode !== null) {
        throw new Error(`the Django peer exited:\n${out}`);
      }
      try {
        const res = await fetch(`${base}/v1/engine_version`);
        await res.text();
        if (res.ok) {
          break;
        }
      } catch {
        // not listening yet
      }
      if (Date.now() > until) {
        throw new Error(`the Django peer did not answer in 20 s:\n${out}`);
      }
      await sleep(100);
    }
    const res = await fetch(`${base}/accounts/ajax_login/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'username=alice&password=pw-alice',
    });
    const text = await res.text();
    const sid = res.headers.getSetCookie().map((c) => /^sessionid=([^;]*)/.exec(c)?.[1]).find(Boolean);
    if (res.status !== 200 || !sid) {
      throw new Error(`cannot log in to the Django peer: ${res.status} ${text}`);
    }
    cookie = `sessionid=${sid}`;
  };
  const stopGunicorn = async (): Promise<void> => {
    const p = proc;
    if (p && p.exitCode === null) {
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await Promise.race([gone, sleep(10_000).then(() => p.kill('SIGKILL'))]);
    }
    proc = null;
  };

  await seed(jobs);
  await start();
  return {
    base,
    get cookie() {
      return cookie;
    },
    pids() {
      const master = (proc as ChildProcess | null)?.pid;
      if (master === undefined) {
        return [];
      }
      const kids = spawnSync('pgrep', ['-P', String(master)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
      return [master, ...kids];
    },
    async reseed(n) {
      await stopGunicorn();
      await seed(n);
      await start();
    },
    async stop() {
      await stopGunicorn();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
