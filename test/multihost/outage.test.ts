/**
 * PostgreSQL stopped and started again under load from clients of two hosts (reads and writes on
 * both): while it is down every request answers 503, once it is back none does, every write that
 * was answered as done is in the database, and no process of either host was replaced.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { accountFactory, login } from '../helpers/accounts.js';
import { startHosts, type Hosts } from '../helpers/hosts.js';
import { sleep, waitFor, type RunningServer } from '../helpers/server.js';

/** One answered request: when (relative to the outage) and how. */
interface Answer {
  phase: 'before' | 'stopping' | 'down' | 'starting' | 'after' | 'straddling';
  host: string;
  what: 'list' | 'write';
  status: number;
  group?: string;
}

describe('PostgreSQL restarted under load from two hosts', function () {
  this.timeout(240_000);
  let h: Hosts;
  const cookies: Record<string, string> = {};

  before(async () => {
    h = await startHosts({ workers: 2, settings: { LOCKDOWN: true } });
    const f = await accountFactory(h.database);
    try {
      await f.createUser({ username: 'root', isStaff: true, isSuperuser: true });
      await f.createUser({ username: 'alice' });
    } finally {
      await f.close();
    }
    cookies.root = await login(h.a, 'root');
    cookies.alice = await login(h.b, 'alice');
  });

  after(async () => {
    await h?.stop();
  });

  /** A host's server log so far. */
  const serverLog = (host: RunningServer): string => readdirSync(host.logDir).filter((f) => /^oq-webui-.*\.log$/.test(f)).map((f) => readFileSync(join(host.logDir, f), 'utf8')).join('');

  /** Every child (web workers, runner, bridge) of a host, by pid. */
  const children = async (host: RunningServer): Promise<string[]> => ((await host.status()).children as { kind: string; pid: number }[]).map((c) => `${c.kind}:${c.pid}`).sort();

  it('answers 503 on both hosts while PostgreSQL is down, none once it is back, loses no answered write, replaces no process', async () => {
    const processes = [await children(h.a), await children(h.b)];
    let phase: Answer['phase'] = 'before';
    const answers: Answer[] = [];
    let going = true;
    let n = 0;
    const client = async (c: number): Promise<void> => {
      while (going) {
        const host = (n + c) % 2 === 0 ? h.a : h.b;
        const name = host === h.a ? 'A' : 'B';
        const at = phase;
        if ((n += 1) % 3 === 0) {
          // a write: a new group, through the admin API
          const group = `g${n}`;
          const res = await host.fetch('/admin/groups', {
            method: 'POST', body: JSON.stringify({ name: group }),
            headers: { cookie: cookies.root, 'Content-Type': 'application/json', Accept: 'application/json', Origin: host.base },
          });
          await res.arrayBuffer();
          // a request that straddled a change of phase counts in neither
          answers.push({ phase: at === phase ? at : 'straddling', host: name, what: 'write', status: res.status, group });
        } else {
          const res = await host.fetch('/v1/calc/list', { headers: { cookie: cookies.alice } });
          await res.arrayBuffer();
          answers.push({ phase: at === phase ? at : 'straddling', host: name, what: 'list', status: res.status });
        }
      }
    };
    const clients = [0, 1, 2, 3].map(client);
    const of = (p: Answer['phase']): Answer[] => answers.filter((a) => a.phase === p);
    // each phase lasts until it has answers of both kinds from both hosts, however slow the machine
    const enough = (p: Answer['phase']) => () => ['A', 'B'].every((host) => ['list', 'write'].every((what) => of(p).some((a) => a.host === host && a.what === what)));
    await waitFor(enough('before'), 60_000, 'answers before the outage');
    phase = 'stopping';
    await h.cluster.pause();
    phase = 'down';
    await sleep(2000);
    await waitFor(enough('down'), 60_000, 'answers during the outage');
    phase = 'starting';
    await h.cluster.resume();
    // back on both hosts: a few answers in a row from every worker's turn
    await waitFor(async () => {
      for (const host of h.hosts) {
        for (let i = 0; i < 4; i++) {
          if ((await host.fetch('/v1/calc/list', { headers: { cookie: cookies.alice } })).status !== 200) {
            return false;
          }
        }
      }
      return true;
    }, 60_000, 'both hosts to answer again');
    phase = 'after';
    await waitFor(enough('after'), 60_000, 'answers after the outage');
    going = false;
    await Promise.all(clients);

    const statuses = (list: Answer[]): number[] => [...new Set(list.map((a) => a.status))].sort();
    expect(statuses(of('before'))).to.deep.equal([200, 201]);
    expect(statuses(of('down'))).to.deep.equal([503]);
    expect(statuses(of('after'))).to.deep.equal([200, 201]);
    // nothing else at any moment: no 500, no dropped connection
    const odd = answers.filter((a) => ![200, 201, 503].includes(a.status));
    if (odd.length > 0) {
      console.log(odd, h.hosts.map((host) => serverLog(host).split(/(?=\[20)/).filter((l) => / failed: /.test(l)).join('\n')).join('\n'));
    }
    expect(odd.map((a) => a.status)).to.deep.equal([]);

    // every write answered 201 is there, through either host
    const created = answers.filter((a) => a.what === 'write' && a.status === 201).map((a) => a.group);
    for (const host of h.hosts) {
      const res = await host.fetch('/admin/groups', { headers: { cookie: cookies.root, Accept: 'application/json' } });
      const names = ((await res.json()) as { name: string }[]).map((g) => g.name);
      expect(names).to.include.members(created as string[]);
    }
    expect([await children(h.a), await children(h.b)]).to.deep.equal(processes);
  });
});
