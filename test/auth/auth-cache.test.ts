/**
 * Each worker keeps the sessions and users it has read (src/auth/auth-cache.ts). A change made
 * through one worker — or straight in the database — must be seen by the other worker on its
 * very next request. Requests are sent on keep-alive connections pinned to a known worker
 * (which worker holds a connection is read from /proc), so "through A, then on B" is certain.
 */
import http from 'node:http';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { expect } from 'chai';
import { accountFactory, cookieHeader, login, type AccountFactory } from '../helpers/accounts.js';
import { startServer, type RunningServer } from '../helpers/server.js';

/** The worker pid holding the server side of the client connection from local port `clientPort`. */
function workerHolding(serverPort: number, clientPort: number, pids: number[]): number | null {
  const hex = (p: number): string => p.toString(16).toUpperCase().padStart(4, '0');
  let inode: string | null = null;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[1].endsWith(`:${hex(serverPort)}`) && f[2].endsWith(`:${hex(clientPort)}`)) {
        inode = f[9];
      }
    }
  }
  if (inode === null) {
    return null;
  }
  for (const pid of pids) {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`) {
          return pid;
        }
      } catch {
        // closed meanwhile
      }
    }
  }
  return null;
}

/** An answer on a pinned connection. */
interface Answer {
  status: number;
  text: string;
  res: Response;
}

/** One keep-alive connection, and so one worker, for every request sent through it. */
class Pinned {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  localPort = 0;
  worker = 0;

  constructor(private readonly server: RunningServer) {}

  async send(path: string, init: { method?: string; cookie?: string; json?: unknown; form?: Record<string, string> } = {}): Promise<Answer> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    let body: string | undefined;
    if (init.cookie) {
      headers.cookie = init.cookie;
    }
    if (init.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(init.json);
    } else if (init.form) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: this.server.port, path, method: init.method ?? 'GET', headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) {
              h.append(k, one);
            }
          }
          resolve({ status: res.statusCode ?? 0, text, res: new Response(null, { headers: h }) });
        });
      });
      req.on('socket', (s) => {
        const check = (): void => {
          if (this.localPort !== 0 && s.localPort !== this.localPort) {
            reject(new Error('the pinned connection was closed and replaced: the test cannot say which worker answered'));
            req.destroy();
          }
          this.localPort = s.localPort ?? 0;
        };
        if (s.localPort) {
          check();
        } else {
          s.once('connect', check);
        }
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

describe('auth cache: a change through one worker is seen by the other on its next request', function () {
  this.timeout(90_000);
  let server: RunningServer;
  let a: Pinned;
  let b: Pinned;
  const spare: Pinned[] = [];
  const ids: Record<string, number> = {};
  const cookies: Record<string, string> = {};
  let teamId = 0;
  let crewId = 0;

  /** Runs `body` with a factory on the server's database. */
  const withDb = async <T>(body: (f: AccountFactory) => Promise<T>): Promise<T> => {
    const f = await accountFactory(server);
    try {
      return await body(f);
    } finally {
      await f.close();
    }
  };
  const addJob = (f: AccountFactory, owner: string, description: string): Promise<unknown> =>
    f.db.sequelize.query(
      "INSERT INTO job (description, user_name, calculation_mode, status, is_running, start_time, relevant, job_ini, abort_requested) VALUES (?, ?, 'classical', 'complete', 0, ?, 1, 'job.ini', 0)",
      { replacements: [description, owner, new Date().toISOString().replace('T', ' ').replace('Z', ' +00:00')] },
    );
  const listed = async (p: Pinned, cookie: string): Promise<string[]> => {
    const r = await p.send('/v1/calc/list', { cookie });
    expect(r.status, r.text).to.equal(200);
    return (JSON.parse(r.text) as { description: string }[]).map((j) => j.description);
  };
  const status = async (p: Pinned, cookie: string): Promise<number> => (await p.send('/v1/engine_version', { cookie })).status;

  before(async () => {
    // long keep-alive: a pinned connection must outlive the slow steps (logins hash 600,000 times)
    server = await startServer({ workers: 2, settings: { LOCKDOWN: true, KEEPALIVE: 600 } });
    await withDb(async (f) => {
      ids.root = (await f.createUser({ username: 'root', isSuperuser: true, isStaff: true })).id;
      for (const u of ['alice', 'bob']) {
        ids[u] = (await f.createUser({ username: u, groups: ['team'] })).id;
      }
      for (const u of ['gina', 'harry']) {
        ids[u] = (await f.createUser({ username: u, groups: ['crew'] })).id;
      }
      for (const u of ['carol', 'dave', 'erin', 'frank', 'ivan', 'judy', 'kim']) {
        ids[u] = (await f.createUser({ username: u })).id;
      }
      teamId = await f.createGroup('team');
      crewId = await f.createGroup('crew');
      await addJob(f, 'bob', 'bob calc');
      await addJob(f, 'harry', 'harry calc');
    });
    for (const u of ['root', 'alice', 'gina', 'carol', 'erin', 'frank', 'ivan', 'judy', 'kim']) {
      cookies[u] = await login(server, u);
    }
    // connections until two of them are held by different workers
    const workers = await server.readyWorkers();
    const held = new Map<number, Pinned>();
    for (let i = 0; i < 40 && held.size < 2; i += 1) {
      const p = new Pinned(server);
      await p.send('/v1/engine_version');
      p.worker = workerHolding(server.port, p.localPort, workers) ?? 0;
      if (p.worker && !held.has(p.worker)) {
        held.set(p.worker, p);
      } else {
        spare.push(p);
      }
    }
    [a, b] = [...held.values()];
    expect(held.size, 'two connections held by two different workers').to.equal(2);
  });

  after(async () => {
    for (const p of [a, b, ...spare]) {
      p?.close();
    }
    await server?.stop();
  });

  it('pins two connections to two different workers, both serving the same session', async () => {
    expect(a.worker).to.not.equal(b.worker);
    expect(await status(a, cookies.carol)).to.equal(200);
    expect(await status(b, cookies.carol)).to.equal(200);
  });

  it('logout through worker A: the same cookie is refused by worker B on its next request', async () => {
    expect(await status(b, cookies.carol)).to.equal(200);
    const out = await a.send('/accounts/ajax_logout/', { method: 'POST', cookie: cookies.carol });
    expect(out.text).to.equal('Successful logout');
    expect(await status(b, cookies.carol)).to.equal(403);
    expect(await status(a, cookies.carol)).to.equal(403);
  });

  it('password change through A ends the user\'s other session on B at once; the changing session goes on', async () => {
    const mine = await login(server, 'dave');
    const other = await login(server, 'dave');
    expect(await status(b, other)).to.equal(200);
    expect(await status(b, mine)).to.equal(200);
    const r = await a.send('/accounts/password_change/', { method: 'POST', cookie: mine, json: { old_password: 'correct-Horse-battery-9', new_password1: 'Fresh-pass-12', new_password2: 'Fresh-pass-12' } });
    expect(r.status, r.text).to.equal(200);
    expect(await status(b, other)).to.equal(403);
    const renewed = cookieHeader(r.res, mine);
    expect(await status(b, renewed)).to.equal(200);
    expect(await status(b, mine)).to.equal(403);
  });

  it('a user deactivated through A is refused by B on the next request', async () => {
    expect(await status(b, cookies.erin)).to.equal(200);
    const r = await a.send(`/admin/users/${ids.erin}/deactivate`, { method: 'POST', cookie: cookies.root });
    expect(r.status, r.text).to.equal(200);
    expect(await status(b, cookies.erin)).to.equal(403);
  });

  it('a user deleted through A is refused by B on the next request', async () => {
    expect(await status(b, cookies.frank)).to.equal(200);
    const r = await a.send(`/admin/users/${ids.frank}`, { method: 'DELETE', cookie: cookies.root });
    expect(r.status, r.text).to.equal(200);
    expect(await status(b, cookies.frank)).to.equal(403);
  });

  it('removed from a group through A: B\'s next list no longer shows the group\'s calculations; added back, it does again', async () => {
    expect(await listed(b, cookies.alice)).to.include('bob calc');
    let r = await a.send(`/admin/groups/${teamId}/members/${ids.alice}`, { method: 'DELETE', cookie: cookies.root });
    expect(r.status, r.text).to.equal(200);
    expect(await listed(b, cookies.alice)).to.not.include('bob calc');
    r = await a.send(`/admin/groups/${teamId}/members`, { method: 'POST', cookie: cookies.root, json: { username: 'alice' } });
    expect(r.status, r.text).to.equal(200);
    expect(await listed(b, cookies.alice)).to.include('bob calc');
  });

  it('a group deleted through A: B\'s next list no longer shows what its members shared through it', async () => {
    expect(await listed(b, cookies.gina)).to.include('harry calc');
    const r = await a.send(`/admin/groups/${crewId}`, { method: 'DELETE', cookie: cookies.root });
    expect(r.status, r.text).to.equal(200);
    expect(await listed(b, cookies.gina)).to.not.include('harry calc');
  });

  it('superuser rights granted through A let B list everything on the next request', async () => {
    expect(await listed(b, cookies.judy)).to.not.include('bob calc');
    const r = await a.send(`/admin/users/${ids.judy}`, { method: 'PATCH', cookie: cookies.root, json: { is_superuser: true, is_staff: true } });
    expect(r.status, r.text).to.equal(200);
    expect(await listed(b, cookies.judy)).to.include('bob calc');
  });

  it('a user deactivated straight in the database (the CLI, another host) is refused by both workers', async () => {
    expect(await status(a, cookies.ivan)).to.equal(200);
    expect(await status(b, cookies.ivan)).to.equal(200);
    await withDb((f) => f.db.models.User.update({ isActive: false }, { where: { id: ids.ivan } }));
    expect(await status(a, cookies.ivan)).to.equal(403);
    expect(await status(b, cookies.ivan)).to.equal(403);
  });

  it('a session whose expiry passed (written in the database) is refused by both workers', async () => {
    expect(await status(a, cookies.kim)).to.equal(200);
    expect(await status(b, cookies.kim)).to.equal(200);
    await withDb((f) => f.db.models.SessionRow.update({ expiresAt: Date.now() - 1000 }, { where: { userId: ids.kim } }));
    expect(await status(a, cookies.kim)).to.equal(403);
    expect(await status(b, cookies.kim)).to.equal(403);
  });

  it('a request that changes nothing does not end anyone\'s session (the cache is not simply off)', async () => {
    // alice's session was read by both workers above and nothing about her changed since
    expect(await status(a, cookies.alice)).to.equal(200);
    expect(await status(b, cookies.alice)).to.equal(200);
    expect(await listed(a, cookies.alice)).to.include('bob calc');
  });
});
