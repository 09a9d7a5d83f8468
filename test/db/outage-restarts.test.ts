/**
 * A data folder moved away while the server serves, and what happens to the processes that start
 * meanwhile: a worker replaced after a SIGKILL boots and answers 503 (the server goes on), a job
 * that would start waits in the queue (nothing is created where the folder was), and everything
 * works again once the folder is back, without a restart. Real processes, signals and folders.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { expect } from 'chai';
import { DATABASE_UNAVAILABLE } from '../../src/errors.js';
import { ServingDatabase } from '../../src/db/availability.js';
import { sleep, startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.js';
import { submit, waitStatus } from '../calcs/support.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

/** The answers (status and body) of `n` requests to the list, spread over the workers by the kernel. */
async function listAnswers(server: RunningServer, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i += 1) {
    // a new connection each time: each may land on another worker
    const res = await server.fetch('/v1/calc/list', { headers: { Connection: 'close' } });
    const text = await res.text();
    out.push(res.status === 503 ? `503 ${JSON.parse(text).error}` : String(res.status));
  }
  return out;
}

/** A job's status read from a SQLite file (the server's, wherever it was moved). */
function statusIn(file: string, id: number): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT status FROM job WHERE id = ?').get(id) as { status: string }).status;
  } finally {
    db.close();
  }
}

describe('a data folder moved away: processes that start meanwhile', function () {
  this.timeout(120_000);
  let server: RunningServer | null = null;
  let moved: string | null = null;

  afterEach(async () => {
    if (server !== null && moved !== null && existsSync(moved) && !existsSync(server.dataDir)) {
      renameSync(moved, server.dataDir);
    }
    await server?.stop();
    server = null;
    moved = null;
  });

  it('a worker SIGKILLed while the folder is away is replaced and answers the same 503 (the server goes on, the log names the folder); moved back, every worker answers again without a restart', async () => {
    server = await startServer({ workers: 2 });
    const s = server;
    moved = `${s.dataDir}.moved`;
    renameSync(s.dataDir, moved);
    await waitFor(async () => (await listAnswers(s, 4)).every((a) => a.startsWith('503')), 10_000, 'both workers to answer 503');
    const [victim] = await s.readyWorkers();
    process.kill(victim, 'SIGKILL');
    await s.waitForOutput(new RegExp(`Worker booted without its database: the database at ${join(s.dataDir, 'webui.sqlite3')} cannot be opened \\(its folder ${s.dataDir} does not exist: moved, deleted or not mounted\\)`), 60_000);
    await waitFor(async () => {
      const ready = await s.readyWorkers();
      return ready.length === 2 && !ready.includes(victim);
    }, 20_000, 'a replacement worker to be ready');
    expect(await Promise.race([s.exited, new Promise((r) => setTimeout(() => r('running'), 200))]), s.output()).to.equal('running');
    expect(await listAnswers(s, 8)).to.deep.equal(Array(8).fill(`503 ${DATABASE_UNAVAILABLE}`));
    renameSync(moved, s.dataDir);
    await waitFor(async () => (await listAnswers(s, 8)).every((a) => a === '200'), 10_000, 'every worker to answer 200 again');
    const id = await submit(s);
    await waitStatus(s, id, ['complete']);
    expect(s.output()).not.to.match(/Worker failed to boot|Shutting down/);
  });

  it('a job that would start while the folder is away stays queued and nothing is created in its place; moved back, it runs', async () => {
    server = await startServer({ workers: 1, settings: { MAX_CONCURRENT_JOBS: 1, CALC_TIMEOUT: 3 } });
    const s = server;
    // the first job runs while the folder goes away (its engine hangs, writing nothing, until
    // CALC_TIMEOUT stops it); the second waits for it
    const first = await submit(s, { fake_behaviour: 'hang' });
    await waitStatus(s, first, ['executing']);
    const second = await submit(s);
    moved = `${s.dataDir}.moved`;
    renameSync(s.dataDir, moved);
    const file = join(moved, 'webui.sqlite3');
    await waitFor(() => !['created', 'submitted', 'executing'].includes(statusIn(file, first)), 20_000, 'the first job to end');
    // the runner wakes when a job ends: the second job must not start, nor recreate the folder
    await waitFor(() => existsSync(s.dataDir) || statusIn(file, second) !== 'created' || /queued jobs stay queued/.test(s.output()), 10_000, 'the runner to look at the second job');
    await sleep(1000);
    expect(existsSync(s.dataDir), `a folder was created where the data folder was: ${existsSync(s.dataDir) ? JSON.stringify(readdirSync(s.dataDir, { recursive: true })) : ''}`).to.equal(false);
    expect(statusIn(file, second)).to.equal('created');
    expect(s.output(), s.output().split('\n').filter((l) => /runner|WARN|ERROR/i.test(l)).join('\n')).to.match(/Job runner: queued jobs stay queued until this is fixed: the (database at \S+ cannot be opened \(its folder|data folder) \S+ is gone/);
    renameSync(moved, s.dataDir);
    moved = null;
    await waitStatus(s, second, ['complete'], 20_000);
    await s.waitForOutput(/Job runner: the database and the data folder are back: starting queued jobs/);
  });

  it('at a worker\'s boot, the cause is named: the folder missing, the file missing, the file damaged', async () => {
    const dir = tempDir();
    const causes: string[] = [];
    const file = join(dir, 'data', 'webui.sqlite3');
    const look = async () => {
      const problem = await new ServingDatabase(`sqlite:${file}`).boot(true);
      causes.push(problem?.message ?? 'opened');
    };
    await look();
    mkdirSync(join(dir, 'data'));
    await look();
    writeFileSync(file, 'not a database, only text\n'.repeat(200));
    await look();
    expect(causes[0]).to.match(new RegExp(`^the database at ${file} cannot be opened \\(its folder ${join(dir, 'data')} does not exist: moved, deleted or not mounted\\)`));
    expect(causes[1]).to.match(new RegExp(`^the database at ${file} cannot be opened \\(the file ${file} does not exist\\)`));
    expect(causes[2]).to.match(new RegExp(`^the database at ${file} is damaged \\(SQLITE_NOTADB: file is not a database\\)`));
    // nothing was created by looking
    expect(existsSync(`${file}-wal`)).to.equal(false);
  });

  it('the first start with a database that does not exist is refused before any worker boots, naming what is missing', async () => {
    const dir = tempDir();
    const file = join(dir, 'elsewhere', 'webui.sqlite3');
    server = await startServer({ dir, workers: 1, waitReady: 0, settings: { DATABASE: `sqlite:${file}` } });
    const exit = await server.exited;
    expect(exit.code, server.output()).to.equal(1);
    expect(server.output()).to.include(`Cannot start: the database at ${file} does not exist (its folder ${join(dir, 'elsewhere')} is missing): put the data folder back, or create the database with "oq-webui migrate"`);
    expect(server.output()).not.to.include('Booting worker');
    expect(existsSync(join(dir, 'elsewhere'))).to.equal(false);
  });
});
