/**
 * Chaos (issue 12, "Done when"): authenticated load and a running calculation while HTTP workers
 * are SIGKILLed and the master is SIGSTOPped for longer than --timeout, then resumed; meanwhile
 * (issue 21) the log folder, a real tmpfs, fills up and is emptied again, and failed logins keep
 * coming. What a user relies on: the calculation completes; the only failed requests are those in
 * flight on a worker at the moment it was killed; every answered login attempt has its line in
 * webui-access.log; the database is intact. Bounded: well under 60 s.
 */
import http from 'node:http';
import { join } from 'node:path';
import { expect } from 'chai';
import sqlite3 from 'sqlite3';
import { calcZip, runCalc, waitStatus } from '../calcs/support.js';
import { accountFactory, login } from '../helpers/accounts.js';
import { sleep, startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.js';
import { logProblems, readLines } from '../logging/activity.js';
import { emptyOut, fillUp, mountTmpfs, unmountLazily } from '../logging/support.js';

/** The watchdog's --timeout (seconds; a worker booting on a busy machine needs a few); the master is paused for twice as long. */
const TIMEOUT = 6;
const WORKERS = 3;
const CLIENTS = 4;

/** One request of the load: when it started and ended, and how it went. */
interface Outcome {
  start: number;
  end: number;
  status?: number;
  error?: string;
}

/** `PRAGMA integrity_check` on a SQLite file opened read-only: its rows. */
function integrityCheck(file: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (err) => {
      if (err) {
        reject(err);
        return;
      }
      db.all('PRAGMA integrity_check', (e, rows: { integrity_check: string }[]) => {
        db.close(() => (e ? reject(e) : resolve(rows.map((r) => r.integrity_check))));
      });
    });
  });
}

/** A failed login on a fresh connection: its status (403, or 429 once throttled). */
function failLogin(server: RunningServer, username: string): Promise<number> {
  const body = new URLSearchParams({ username, password: 'not-the-password' }).toString();
  return new Promise((resolve, reject) => {
    const req = http.request(`${server.base}/accounts/ajax_login/`, {
      method: 'POST', agent: false,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A GET on a fresh connection (a killed worker's connection fails only the request on it). */
function get(server: RunningServer, path: string, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${server.base}${path}`, { agent: false, headers: { cookie } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

describe('chaos: load and a running calculation while workers are killed, the master is paused and the log folder fills up', function () {
  this.timeout(60_000);
  let server: RunningServer;
  let cookie: string;
  let logs: string;
  let filler = '';

  before(async () => {
    const dir = tempDir();
    logs = join(dir, 'logs');
    mountTmpfs(logs, 65536); // room for the whole run's access lines once emptied (a busy run writes several MiB)
    server = await startServer({ dir, workers: WORKERS, args: ['--timeout', String(TIMEOUT)], settings: { LOCKDOWN: true, MAX_CONCURRENT_JOBS: 2 } });
    const f = await accountFactory(server);
    try {
      await f.createUser({ username: 'chaos' });
      // never logged in: its hash stays the factory's cheap one, so failed logins cost little
      await f.createUser({ username: 'intruder' });
    } finally {
      await f.close();
    }
    cookie = await login(server, 'chaos');
  });

  after(async () => {
    if (filler) {
      emptyOut(filler);
    }
    unmountLazily(logs);
    await server?.stop();
  });

  it('the calculation completes, only requests in flight on killed workers fail, every answered login attempt is in webui-access.log, and the database is intact', async () => {
    const auth = { cookie };
    const res = await runCalc(server, [{ name: 'calc.zip', data: await calcZip({ fake_duration: String(4 * TIMEOUT), description: 'chaos' }) }], {}, auth);
    const { job_id: id } = (await res.json()) as { job_id: number };
    expect(res.status).to.equal(200);
    await waitStatus(server, id, ['executing'], 15_000, auth);

    // the load: CLIENTS loops of authenticated requests, each on a fresh connection
    const outcomes: Outcome[] = [];
    let loading = true;
    const client = async (k: number): Promise<void> => {
      for (let i = 0; loading; i += 1) {
        const path = (i + k) % 2 === 0 ? '/v1/calc/list' : '/v1/engine_version';
        const start = Date.now();
        try {
          const status = await get(server, path, cookie);
          outcomes.push({ start, end: Date.now(), status });
        } catch (err) {
          outcomes.push({ start, end: Date.now(), error: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, (_, k) => client(k));
    // failed logins all along, each with its own name: the answered ones must all be in webui-access.log
    const attempts: { name: string; status?: number; error?: string; start: number; end: number }[] = [];
    const intruder = async (): Promise<void> => {
      for (let i = 0; loading; i += 1) {
        const a: (typeof attempts)[number] = { name: `intruder-${i}`, start: Date.now(), end: 0 };
        try {
          a.status = await failLogin(server, a.name);
        } catch (err) {
          a.error = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        }
        a.end = Date.now();
        attempts.push(a);
        await sleep(100);
      }
    };
    const intruding = intruder();

    // the chaos: kill a worker, twice; pause the master past the timeout; kill one more
    const kills: number[] = [];
    const killed: number[] = [];
    const killOne = async (): Promise<void> => {
      await sleep(1000);
      const victim = (await server.readyWorkers()).find((pid) => !killed.includes(pid)) as number;
      killed.push(victim);
      kills.push(Date.now());
      process.kill(victim, 'SIGKILL');
    };
    await sleep(500);
    const serverLog = join(logs, 'oq-webui.log');
    filler = fillUp(logs, [serverLog, join(logs, 'access.log'), join(logs, 'webui-access.log')]);
    await killOne();
    await killOne();
    const paused = Date.now();
    server.signal('SIGSTOP');
    await sleep(TIMEOUT * 2000 + 500);
    server.signal('SIGCONT');
    const resumed = Date.now();
    await sleep(1000);
    const fullFor = (await logProblems(server)).map((p) => p.file);
    emptyOut(filler);
    filler = '';
    await killOne();

    const status = await waitStatus(server, id, ['complete', 'failed', 'aborted'], 30_000, auth);
    loading = false;
    await Promise.all([...clients, intruding]);

    const failed = outcomes.filter((o) => o.error !== undefined || o.status !== 200);
    const atKill = (o: Outcome): boolean => kills.some((t) => o.start <= t && t <= o.end);
    const servedWhilePaused = outcomes.filter((o) => o.status === 200 && o.start >= paused && o.end <= resumed).length;
    console.log(`      ${outcomes.length} requests, ${failed.length} failed (${failed.map((o) => o.error ?? o.status).join(', ') || 'none'}), `
      + `${kills.length} workers killed, ${servedWhilePaused} served while the master was paused`);
    expect(status, 'the calculation').to.equal('complete');
    expect(failed.filter((o) => !atKill(o)), 'failures not in flight at a kill').to.deep.equal([]);
    expect(failed.every((o) => o.error === 'ECONNRESET'), 'failures are connection resets').to.equal(true);
    expect(failed.length).to.be.at.most(kills.length * CLIENTS);
    expect(servedWhilePaused, 'requests served while the master was paused').to.be.above(0);

    // the full log folder: the master noticed, failed no request for it, and wrote every audit line once it was emptied
    expect(fullFor, 'log files the master could not write while the folder was full').to.include(join(logs, 'access.log'));
    await waitFor(async () => (await logProblems(server)).length === 0, 15_000, 'the log files written again');
    const answered = attempts.filter((a) => a.status !== undefined);
    console.log(`      ${attempts.length} failed logins, ${answered.length} answered (${attempts.filter((a) => a.error).map((a) => a.error).join(', ') || 'none lost'})`);
    expect(answered.every((a) => a.status === 403 || a.status === 429), 'failed logins answered 403 or 429').to.equal(true);
    expect(attempts.filter((a) => a.error !== undefined && !atKill(a)), 'login attempts failing not in flight at a kill').to.deep.equal([]);
    const audited = new Set(readLines(join(logs, 'webui-access.log')).map((l) => /User "(intruder-\d+)"/.exec(l)?.[1]));
    expect(answered.filter((a) => !audited.has(a.name)).map((a) => a.name), 'answered login attempts missing from webui-access.log').to.deep.equal([]);
    // the master replaced the killed workers, and kept the others
    await waitFor(async () => (await server.readyWorkers()).length === WORKERS, 15_000, 'all workers ready');

    expect(await integrityCheck(join(server.dataDir, 'webui.sqlite3'))).to.deep.equal(['ok']);
  });
});
