import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { startServer, waitFor, type RunningServer } from '../helpers/server.js';
import { getFresh } from '../master/support.js';

// gunicorn's `%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"` plus the response time
const LINE = /^(\S+) - (\S+) \[(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) \+0000\] "([A-Z]+) (\S+) HTTP\/(1\.[01])" (\d{3}) (\d+|-) "([^"\\]|\\.)*" "((?:[^"\\]|\\.)*)" (\d+\.\d{3})ms$/;

describe('access log', function () {
  let server: RunningServer;

  before(async function () {
    server = await startServer({ workers: 2 });
  });

  after(async function () {
    await server?.stop();
  });

  it('writes one line per request in gunicorn\'s format plus the response time', async function () {
    const res = await getFresh(`${server.base}/v1/engine_version?shape=1`, { 'User-Agent': 'shape "test"', Referer: 'http://example.org/x' });
    const log = join(server.logDir, 'access.log');
    const line = await waitFor(() => readFileSync(log, 'utf8').split('\n').find((l) => l.includes('?shape=1')), 5000, 'the line');
    const m = LINE.exec(line ?? '');
    expect(m, line).to.not.equal(null);
    // %(u)s is the user the request acted as (with LOCKDOWN off, DEFAULT_USER)
    expect(line).to.match(new RegExp(`^127\\.0\\.0\\.1 - \\S+ \\[.*\\] "GET /v1/engine_version\\?shape=1 HTTP/1\\.1" 200 ${res.body.length} "http://example\\.org/x" "shape \\\\"test\\\\"" \\d+\\.\\d{3}ms$`));
  });

  it('has exactly one whole line per request when 2 workers serve 2000 requests from 8 clients', async function () {
    const n = 2000;
    let next = 0;
    const client = async (): Promise<void> => {
      while (next < n) {
        const i = next;
        next += 1;
        const res = await getFresh(`${server.base}/v1/engine_version?n=${i}`);
        expect(res.status).to.equal(200);
      }
    };
    await Promise.all(Array.from({ length: 8 }, client));
    const log = join(server.logDir, 'access.log');
    const mine = (): string[] => readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('?n='));
    await waitFor(() => mine().length >= n, 10_000, `${n} lines`);
    const text = readFileSync(log, 'utf8');
    expect(text.endsWith('\n')).to.equal(true);
    const lines = text.slice(0, -1).split('\n');
    const seen = new Set<number>();
    for (const l of lines) {
      const m = LINE.exec(l);
      expect(m, `torn or malformed line: ${l.slice(0, 300)}`).to.not.equal(null);
      const k = /\?n=(\d+) /.exec(l);
      if (k) {
        seen.add(Number(k[1]));
      }
    }
    expect(mine()).to.have.length(n);
    expect(seen.size).to.equal(n);
    // both workers wrote to the one file
    const served = await waitFor(async () => {
      const counts = ((await server.status()).children as { kind: string; requests: number }[]).filter((c) => c.kind === 'web').map((c) => c.requests);
      return counts.reduce((a, b) => a + b, 0) >= n ? counts : null;
    }, 10_000, 'the request counts');
    expect(served?.every((r) => r > 0), `requests per worker ${served?.join(', ')}`).to.equal(true);
  });
});
