/**
 * Issue 21, item 4: a worker SIGKILLed right after it answered. Fail2Ban's evidence (a failed
 * login's line in webui-access.log) must have left the worker before the answer did; the access
 * lines of requests answered before the kill must not die with it either (they used to wait up to
 * 20 ms in the worker for company).
 */
import { join } from 'node:path';
import { expect } from 'chai';
import { startServer, waitFor, type RunningServer } from '../helpers/server.js';
import { readLines } from './activity.js';

const ROUNDS = 3;
const REQUESTS = 10;

describe('a worker SIGKILLed right after answering: the lines of what it answered are in the files', function () {
  this.timeout(60_000);
  let server: RunningServer;

  /** SIGKILLs the only worker at once, then waits for the master to replace it. */
  async function killWorker(pid: number): Promise<void> {
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => (await server.readyWorkers()).some((p) => p !== pid), 30_000, 'a new worker');
  }

  before(async function () {
    server = await startServer({ workers: 1, settings: { LOCKDOWN: true } });
    for (let round = 0; round < ROUNDS; round += 1) {
      const [pid] = await server.readyWorkers();
      const res = await server.fetch('/accounts/ajax_login/', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: `killed-${round}`, password: 'not-the-password' }).toString(),
      });
      // the answer's head is here: the kill lands before anything else the worker might do
      await killWorker(pid);
      expect(res.status, 'a failed login').to.equal(403);
    }
    for (let round = 0; round < ROUNDS; round += 1) {
      const [pid] = await server.readyWorkers();
      for (let i = 0; i < REQUESTS; i += 1) {
        await (await server.fetch(`/v1/engine_version?killed-${round}-${i}`)).arrayBuffer();
      }
      await killWorker(pid);
    }
  });

  after(async function () {
    await server?.stop();
  });

  it('a failed login answered just before its worker was SIGKILLed is in webui-access.log', async function () {
    const file = join(server.logDir, 'webui-access.log');
    const users = (): string[] => readLines(file).map((l) => /User "(killed-\d)" \(IP: 127\.0\.0\.1\) failed to log in/.exec(l)?.[1] ?? '').filter(Boolean);
    await waitFor(() => users().length >= ROUNDS, 5000, 'the lines').catch(() => undefined);
    expect(users()).to.deep.equal(Array.from({ length: ROUNDS }, (_, r) => `killed-${r}`));
  });

  it('of the requests answered before a SIGKILL, at most the last (its worker may not have finished with it) is missing from access.log', async function () {
    const file = join(server.logDir, 'access.log');
    const paths = (): string[] => readLines(file).map((l) => /\?(killed-\d-\d+) /.exec(l)?.[1] ?? '').filter(Boolean);
    await waitFor(() => paths().length >= ROUNDS * REQUESTS, 3000, 'the lines').catch(() => undefined);
    console.log(`      ${paths().length} of ${ROUNDS * REQUESTS} access lines; missing: ${Array.from({ length: ROUNDS * REQUESTS }, (_, k) => `killed-${Math.floor(k / REQUESTS)}-${k % REQUESTS}`).filter((p) => !paths().includes(p)).join(', ') || 'none'}`);
    for (let round = 0; round < ROUNDS; round += 1) {
      const logged = paths().filter((p) => p.startsWith(`killed-${round}-`));
      const before = Array.from({ length: REQUESTS - 1 }, (_, i) => `killed-${round}-${i}`);
      expect(logged, `round ${round}`).to.include.members(before);
    }
  });
});
