import { spawnSync } from 'node:child_process';
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { expect } from 'chai';
import { DATABASE_UNAVAILABLE } from '../../src/errors.js';
import { GOOD_PASSWORD, lockdownServer } from '../helpers/accounts.js';
import { BIN, startServer, waitFor, type RunningServer } from '../helpers/server.js';
import { calcZip, submit, uploadForm, waitStatus } from '../calcs/support.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

/** One request of the tour: what a user does, as a fetch. */
interface Step {
  what: string;
  request(server: RunningServer, cookie: string): Promise<Response>;
}

/** Login, the list, a calculation route, results, outputs, run, admin, pages: the routes a damaged database must answer alike. */
function tour(id: number): Step[] {
  const get = (path: string, accept = 'application/json') => (s: RunningServer, cookie: string) => s.fetch(path, { headers: { Cookie: cookie, Accept: accept } });
  return [
    {
      what: 'login',
      request: (s) => s.fetch('/accounts/ajax_login/', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: 'alice', password: GOOD_PASSWORD }).toString(),
      }),
    },
    { what: 'the list', request: get('/v1/calc/list') },
    { what: 'a calculation', request: get(`/v1/calc/${id}/status`) },
    { what: 'results', request: get(`/v1/calc/${id}/results`) },
    { what: 'the outputs page', request: get(`/engine/${id}/outputs`, 'text/html') },
    { what: 'run', request: async (s, cookie) => s.fetch('/v1/calc/run', { method: 'POST', headers: { Cookie: cookie }, body: uploadForm([{ name: 'calc.zip', data: await calcZip() }]) }) },
    { what: 'admin', request: get('/admin/users') },
    { what: 'the calculations page', request: get('/engine/', 'text/html') },
  ];
}

/** What every step answers (status and body), by step. */
async function answers(server: RunningServer, cookie: string, steps: Step[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const step of steps) {
    const res = await step.request(server, cookie);
    const text = await res.text();
    const json = (res.headers.get('content-type') ?? '').includes('json');
    out[step.what] = res.status === 503 ? `503 ${json ? JSON.parse(text).error : text}` : String(res.status);
  }
  return out;
}

/** The same 503 answer for every step. */
function all503(steps: Step[]): Record<string, string> {
  return Object.fromEntries(steps.map((s) => [s.what, `503 ${DATABASE_UNAVAILABLE}`]));
}

/** Waits for a line of the server's log matching `re`; a failure shows the log's errors and warnings. */
async function expectLogged(server: RunningServer, re: RegExp): Promise<void> {
  await server.waitForOutput(re).catch(() => {
    throw new Error(`no log line matches ${re}; the server said:\n${server.output().split('\n').filter((l) => /ERROR|WARN/.test(l)).join('\n')}`);
  });
}

/** `oq-webui check` for a server's folders. */
function check(server: RunningServer): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [BIN, 'check', '--config', server.configFile, '--data-dir', server.dataDir, '--log-dir', server.logDir, '--pid', server.pidfile], { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/**
 * Overwrites every page of the database's tables and indexes with garbage, keeping the schema
 * and the migrations table (a server still boots on it; every other read finds SQLITE_CORRUPT).
 */
function corruptTables(file: string): void {
  const db = new Database(file);
  let pages: number[];
  let pageSize: number;
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    pageSize = Number(db.pragma('page_size', { simple: true }));
    pages = (db.prepare("SELECT pageno FROM dbstat WHERE name NOT IN ('sqlite_schema', 'sqlite_master') AND name NOT LIKE '%oq_webui_migrations%'").all() as { pageno: number }[]).map((r) => r.pageno);
  } finally {
    db.close();
  }
  const fd = openSync(file, 'r+');
  try {
    for (const page of pages) {
      writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (page - 1) * pageSize);
    }
  } finally {
    closeSync(fd);
  }
}

describe('a database that cannot be used: 503 from every route, the cause in the log and in check', function () {
  this.timeout(120_000);
  let server: RunningServer | null = null;

  afterEach(async () => {
    await server?.stop();
    server = null;
  });

  /** A LOCKDOWN server with alice (superuser) logged in and one finished calculation; every step of the tour answers. */
  async function serverWithACalculation(): Promise<{ cookie: string; steps: Step[] }> {
    const started = await lockdownServer([{ username: 'alice', isStaff: true, isSuperuser: true }], { loginAs: ['alice'], workers: 1 });
    server = started.server;
    const cookie = started.cookies.alice;
    const id = await submit(server, {}, { Cookie: cookie });
    await waitStatus(server, id, ['complete'], 15_000, { Cookie: cookie });
    const steps = tour(id);
    const before = await answers(server, cookie, steps);
    // the stand-in engine has no Python for the engine bridge: results answer the bridge's own 503 while the database is fine
    expect(Object.values(before).filter((a) => a.startsWith('5') && !a.includes('engine bridge')), JSON.stringify(before)).to.deep.equal([]);
    // the tour's own run finished too: a job the runner starts later writes below DATA_DIR
    await waitStatus(server, id + 1, ['complete'], 15_000, { Cookie: cookie });
    return { cookie, steps };
  }

  it('corrupt pages: every route answers the same 503, the log names SQLITE_CORRUPT and the file, check names it too', async () => {
    const { cookie, steps } = await serverWithACalculation();
    const s = server as RunningServer;
    // stopped without removing its folder, damaged, started again on the same folders
    s.signal('SIGTERM');
    await s.exited;
    const file = join(s.dataDir, 'webui.sqlite3');
    corruptTables(file);
    server = await startServer({ dir: s.dir, workers: 1, settings: { LOCKDOWN: true } });
    expect(await answers(server, cookie, steps)).to.deep.equal(all503(steps));
    await expectLogged(server, new RegExp(`the database at ${file} is damaged \\(SQLITE_CORRUPT: database disk image is malformed\\): requests that need it answer 503`));
    const checked = check(server);
    expect(checked.status, checked.output).to.equal(1);
    expect(checked.output).to.contain(file).and.to.match(/SQLITE_CORRUPT|malformed/);
  });

  it('the data folder moved away: every route answers the same 503, the log and check say the folder is gone; moved back, all answer again without a restart', async () => {
    const { cookie, steps } = await serverWithACalculation();
    const s = server as RunningServer;
    renameSync(s.dataDir, `${s.dataDir}.moved`);
    await waitFor(async () => (await answers(s, cookie, steps.slice(1, 2)))['the list'].startsWith('503'), 5000, 'the list to answer 503');
    expect(await answers(s, cookie, steps)).to.deep.equal(all503(steps));
    await expectLogged(s, new RegExp(`the database at ${join(s.dataDir, 'webui.sqlite3')} cannot be opened \\(its folder ${s.dataDir} is gone: moved or deleted\\)`));
    const checked = check(s);
    expect(checked.status, checked.output).to.equal(1);
    expect(checked.output).to.contain(`${s.dataDir} is gone`);
    renameSync(`${s.dataDir}.moved`, s.dataDir);
    await waitFor(async () => (await answers(s, cookie, steps.slice(1, 2)))['the list'] === '200', 5000, 'the list to answer again');
    const after = await answers(s, cookie, steps);
    expect(Object.values(after).filter((a) => a.startsWith('5') && !a.includes('engine bridge')), JSON.stringify(after)).to.deep.equal([]);
  });
});
