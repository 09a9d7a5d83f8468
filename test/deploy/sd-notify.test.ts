import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { expect } from 'chai';
import { monotonicUsec, notifySocketProblem } from '../../master/sd-notify.js';
import { sleep, startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.js';

/** One datagram systemd would have read, with when it arrived. */
interface Notice {
  fields: Record<string, string>;
  text: string;
  at: number;
  /** Our CLOCK_MONOTONIC when it arrived, in microseconds. */
  monotonic: bigint;
}

interface DgramSocket {
  bind(path: string): void;
  on(event: 'message', fn: (buf: Buffer) => void): void;
  on(event: 'error', fn: (e: Error) => void): void;
  close(): void;
}

/** Plays systemd's part: a unix datagram socket (unix-dgram, as the master uses) named in NOTIFY_SOCKET. */
function notifySocket(path: string): { notices: Notice[]; close(): void } {
  const unix = createRequire(import.meta.url)('unix-dgram') as { createSocket(type: 'unix_dgram'): DgramSocket };
  const notices: Notice[] = [];
  const sock = unix.createSocket('unix_dgram');
  sock.on('error', (e) => { throw e; });
  sock.on('message', (buf) => {
    const text = buf.toString();
    const fields: Record<string, string> = {};
    for (const line of text.split('\n')) {
      const eq = line.indexOf('=');
      fields[line.slice(0, eq)] = line.slice(eq + 1);
    }
    notices.push({ fields, text, at: Date.now(), monotonic: monotonicUsec() });
  });
  sock.bind(path);
  return { notices, close: () => sock.close() };
}

/** Waits for the first notice that `pick` finds. */
async function waitNotice(pick: () => Notice | undefined, what: string, timeoutMs = 10_000): Promise<Notice> {
  return waitFor(pick, timeoutMs, what) as Promise<Notice>;
}

/** The notices other than WATCHDOG=1, as their first line plus STATUS, for order checks. */
function lifecycle(notices: Notice[]): Notice[] {
  return notices.filter((n) => !('WATCHDOG' in n.fields));
}

describe('systemd notify protocol (NOTIFY_SOCKET)', function () {
  this.timeout(90_000);
  let server: RunningServer | null = null;
  let systemd: { notices: Notice[]; close(): void } | null = null;

  afterEach(async function () {
    await server?.stop();
    server = null;
    systemd?.close();
    systemd = null;
  });

  it('tells systemd READY once every worker accepts, RELOADING then READY on HUP, STATUS on TTIN, STOPPING on TERM', async function () {
    const dir = tempDir();
    const path = join(dir, 'notify');
    systemd = notifySocket(path);
    const notices = systemd.notices;
    server = await startServer({ workers: 2, dir, env: { NOTIFY_SOCKET: path } });
    const master = server.proc.pid as number;

    // READY=1 with MAINPID, and its STATUS line counts both workers: sent once both accept
    const ready = await waitNotice(() => notices.find((n) => n.fields.READY === '1'), 'READY=1');
    expect(ready.fields.MAINPID).to.equal(String(master));
    expect(ready.fields.STATUS).to.match(/^2 workers serving \(generation 1\)/);
    const before = lifecycle(notices).slice(0, lifecycle(notices).indexOf(ready));
    expect(before.every((n) => Object.keys(n.fields).join() === 'STATUS' && /^starting/.test(n.fields.STATUS)), before.map((n) => n.text).join(' | ')).to.equal(true);
    expect((await server.fetch('/v1/engine_version')).status).to.equal(200);
    // the workers and the runner do not get the protocol's variables (only the master talks to systemd)
    const status = await server.status();
    for (const c of status.children as { pid: number }[]) {
      expect(readFileSync(`/proc/${c.pid}/environ`, 'utf8').split('\0').some((v) => v.startsWith('NOTIFY_SOCKET='))).to.equal(false);
    }

    // HUP: RELOADING=1 with the monotonic clock of that moment, then READY=1 once generation 2 serves
    let mark = notices.length;
    const hupAt = monotonicUsec();
    server.signal('SIGHUP');
    const reloading = await waitNotice(() => notices.slice(mark).find((n) => n.fields.RELOADING === '1'), 'RELOADING=1');
    const usec = BigInt(reloading.fields.MONOTONIC_USEC);
    expect(usec >= hupAt && usec <= reloading.monotonic, `${hupAt} <= ${usec} <= ${reloading.monotonic}`).to.equal(true);
    const reloaded = await waitNotice(() => notices.slice(notices.indexOf(reloading)).find((n) => n.fields.READY === '1'), 'READY=1 after the reload', 20_000);
    expect(reloaded.fields.STATUS).to.match(/workers serving \(generation 2\)/);
    const gen2 = (await server.status()).children.filter((c) => (c as { kind: string }).kind === 'web' && (c as { generation: number }).generation === 2 && (c as { state: string }).state === 'ready');
    expect(gen2.length).to.equal(2);

    // TTIN: a third worker, said in STATUS (no READY or RELOADING for it)
    mark = notices.length;
    server.signal('SIGTTIN');
    await waitFor(() => notices.slice(mark).find((n) => /^3 workers serving \(generation 2\)/.test(n.fields.STATUS ?? '')), 20_000, 'STATUS with 3 workers');
    expect(lifecycle(notices.slice(mark)).some((n) => 'READY' in n.fields || 'RELOADING' in n.fields)).to.equal(false);

    // TERM: STOPPING=1, and nothing but the watchdog after it
    mark = notices.length;
    const { code } = await server.stop();
    server = null;
    expect(code).to.equal(0);
    const after = lifecycle(notices.slice(mark));
    expect(after.length, after.map((n) => n.text).join(' | ')).to.be.greaterThan(0);
    expect(after[0].fields.STOPPING).to.equal('1');
    expect(after.slice(1).some((n) => 'READY' in n.fields || 'RELOADING' in n.fields)).to.equal(false);

    // the whole order, start to stop
    const order = lifecycle(notices).filter((n) => 'READY' in n.fields || 'RELOADING' in n.fields || 'STOPPING' in n.fields).map((n) => Object.keys(n.fields)[0]);
    expect(order).to.deep.equal(['READY', 'RELOADING', 'READY', 'STOPPING']);
  });

  it('sends WATCHDOG=1 every half WATCHDOG_USEC, and none while the master is stopped (SIGSTOP)', async function () {
    const dir = tempDir();
    const path = join(dir, 'notify');
    systemd = notifySocket(path);
    const notices = systemd.notices;
    // 1 s: a ping every 0.5 s
    server = await startServer({ workers: 1, dir, env: { NOTIFY_SOCKET: path, WATCHDOG_USEC: '1000000' } });
    const pings = (): number => notices.filter((n) => n.fields.WATCHDOG === '1').length;
    await waitFor(() => pings() >= 3, 10_000, 'three WATCHDOG=1');

    server.signal('SIGSTOP');
    await sleep(300); // a datagram sent just before the stop may still be on its way
    const frozen = pings();
    await sleep(2500); // five periods
    const whileStopped = pings() - frozen;
    server.signal('SIGCONT');
    await waitFor(() => pings() >= frozen + 3, 10_000, 'WATCHDOG=1 again after SIGCONT');
    expect(whileStopped).to.equal(0);
  });

  it('answers a refused reload (invalid settings) with RELOADING then READY at once, and says so in STATUS', async function () {
    const dir = tempDir();
    const path = join(dir, 'notify');
    systemd = notifySocket(path);
    const notices = systemd.notices;
    server = await startServer({ workers: 1, dir, env: { NOTIFY_SOCKET: path } });
    await waitNotice(() => notices.find((n) => n.fields.READY === '1'), 'READY=1');
    writeFileSync(server.configFile, '{ "LOCKDOWN": "maybe" }');
    const mark = notices.length;
    server.signal('SIGHUP');
    const reloading = await waitNotice(() => notices.slice(mark).find((n) => n.fields.RELOADING === '1'), 'RELOADING=1');
    const ready = await waitNotice(() => notices.slice(notices.indexOf(reloading)).find((n) => n.fields.READY === '1'), 'READY=1 after the refusal');
    expect(ready.fields.STATUS).to.match(/^reload refused: the settings are invalid/);
    // the old generation goes on serving
    expect((await server.fetch('/v1/engine_version')).status).to.equal(200);
  });

  it('sends WATCHDOG=1 only to the pid WATCHDOG_PID names', async function () {
    const dir = tempDir();
    const path = join(dir, 'notify');
    systemd = notifySocket(path);
    server = await startServer({ workers: 1, dir, env: { NOTIFY_SOCKET: path, WATCHDOG_USEC: '400000', WATCHDOG_PID: '1' } });
    await waitFor(() => systemd?.notices.some((n) => n.fields.READY === '1'), 10_000, 'READY=1');
    await sleep(1000);
    expect(systemd.notices.filter((n) => 'WATCHDOG' in n.fields)).to.deep.equal([]);
  });

  it('warns at start when NOTIFY_SOCKET names no socket (missing, a regular file, a path too long), and serves anyway', async function () {
    const dir = tempDir();
    const missing = join(dir, 'no-such-notify');
    server = await startServer({ workers: 1, dir, env: { NOTIFY_SOCKET: missing } });
    await server.waitForOutput(/WARNING\] NOTIFY_SOCKET=\S+no-such-notify does not exist: systemd will not be told/);
    expect((await server.fetch('/v1/engine_version')).status).to.equal(200);
    const file = join(dir, 'regular');
    writeFileSync(file, '');
    expect(notifySocketProblem(file)).to.equal('is not a socket but a regular file');
    const long = `/${'x'.repeat(110)}`;
    expect(notifySocketProblem(long)).to.match(/^is 111 bytes long, more than a unix socket path may be \(107\)$/);
    const real = join(dir, 'notify');
    systemd = notifySocket(real);
    expect(notifySocketProblem(real)).to.equal(null);
  });
});
