/**
 * The shipped nginx site with its "Several hosts" lines uncommented (two upstream servers,
 * proxy_next_upstream): `nginx -t` accepts it, and with one host stopped or answering 503 every
 * GET through nginx still answers 200 from the other (real nginx, two real servers).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { twoHostSite } from '../helpers/nginx.js';
import { freePort, startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.js';

const run = promisify(execFile);

describe('the nginx site with two hosts (real nginx)', function () {
  this.timeout(120_000);
  let a: RunningServer;
  let b: RunningServer;
  let nginx: ChildProcess;
  let port: number;
  let prefix: string;

  before(async () => {
    [a, b] = await Promise.all([startServer({ workers: 1 }), startServer({ workers: 1 })]);
    port = await freePort();
    prefix = tempDir('oq-webui-nginx-hosts-');
    mkdirSync(join(prefix, 'logs'), { recursive: true });
    writeFileSync(join(prefix, 'nginx.conf'), [
      'worker_processes 1;', `pid ${prefix}/nginx.pid;`, `error_log ${prefix}/logs/error.log;`, 'daemon off;',
      'events { worker_connections 256; }',
      'http {', `access_log ${prefix}/logs/access.log;`, `client_body_temp_path ${prefix}/body;`, `proxy_temp_path ${prefix}/proxy;`,
      twoHostSite(a.port, b.port, port), '}',
    ].join('\n'));
  });

  after(async () => {
    nginx?.kill('SIGQUIT');
    await Promise.all([a?.stop(), b?.stop()]);
  });

  const get = async (path: string): Promise<number> => (await fetch(`http://127.0.0.1:${port}${path}`)).status;

  it('nginx -t accepts the site with the upstream of two servers and proxy_next_upstream', async () => {
    const { stderr } = await run('nginx', ['-t', '-p', prefix, '-c', join(prefix, 'nginx.conf')]);
    expect(stderr).to.contain('syntax is ok').and.to.contain('test is successful');
  });

  it('a host answering 503 (its database folder gone) is skipped: every GET through nginx answers 200', async () => {
    nginx = spawn('nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf')], { stdio: 'ignore' });
    await waitFor(async () => (await get('/v1/calc/list')) === 200, 10_000, 'nginx proxying');
    // host A's database moves away: A answers 503 until it is back
    renameSync(a.dataDir, `${a.dataDir}.away`);
    await waitFor(async () => (await a.fetch('/v1/calc/list')).status === 503, 10_000, 'A to answer 503');
    const statuses = [];
    for (let i = 0; i < 20; i++) {
      statuses.push(await get('/v1/calc/list'));
    }
    expect(statuses).to.deep.equal(Array(20).fill(200));
    renameSync(`${a.dataDir}.away`, a.dataDir);
  });

  it('a host stopped: every GET through nginx answers 200', async () => {
    await a.stop();
    const statuses = [];
    for (let i = 0; i < 20; i++) {
      statuses.push(await get('/v1/calc/list'));
    }
    expect(statuses).to.deep.equal(Array(20).fill(200));
  });
});
