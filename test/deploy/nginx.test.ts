import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { accountFactory } from '../helpers/accounts.js';
import { freePort, startServer, waitFor, type RunningServer } from '../helpers/server.js';

const SITE = join(PACKAGE_ROOT, 'config', 'nginx', 'oq-webui.conf');

/** A GET or POST through nginx from a chosen loopback source address (a "remote" client). */
function request(port: number, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string; from?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers, localAddress: opts.from }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('the shipped nginx site in front of oq-webui (real nginx)', function () {
  let server: RunningServer;
  let nginx: ChildProcess;
  let port: number;
  let staticDir: string;

  before(async function () {
    server = await startServer({ workers: 2, settings: { LOCKDOWN: true, USE_REVERSE_PROXY: true, LOGIN_FAILURE_LIMIT: 0 } });
    const f = await accountFactory(server);
    await f.createUser({ username: 'alice' });
    await f.close();
    port = await freePort();
    const prefix = join(server.dir, 'nginx');
    staticDir = join(server.dir, 'static');
    mkdirSync(join(prefix, 'logs'), { recursive: true });
    mkdirSync(staticDir, { recursive: true });
    writeFileSync(join(staticDir, 'hello.txt'), 'static hello\n');
    // nginx's workers run as an unprivileged user: let them reach the static folder
    chmodSync(server.dir, 0o755);
    const site = readFileSync(SITE, 'utf8')
      .replace('server 127.0.0.1:8800;', `server 127.0.0.1:${server.port};`)
      .replace('listen 80;', `listen 127.0.0.1:${port};`)
      .replace('alias /var/www/webui/;', `alias ${staticDir}/;`);
    writeFileSync(join(prefix, 'nginx.conf'), [
      'worker_processes 1;', `pid ${prefix}/nginx.pid;`, `error_log ${prefix}/logs/error.log;`, 'daemon off;',
      'events { worker_connections 256; }',
      'http {', `access_log ${prefix}/logs/access.log;`, `client_body_temp_path ${prefix}/body;`, `proxy_temp_path ${prefix}/proxy;`,
      site, '}',
    ].join('\n'));
    nginx = spawn('nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf')], { stdio: 'ignore' });
    await waitFor(async () => (await request(port, '/v1/engine_version')).status === 403, 10_000, 'nginx proxying');
  });

  after(async function () {
    nginx?.kill('SIGQUIT');
    await server?.stop();
  });

  it('serves static files itself and proxies the API (anonymous /v1/ gets 403 under LOCKDOWN)', async function () {
    const s = await request(port, '/static/hello.txt');
    expect(s.status).to.equal(200);
    expect(s.body).to.equal('static hello\n');
    expect((await request(port, '/v1/calc/list')).status).to.equal(403);
  });

  it('logs the real client address of a failed login, not the one the client forged in X-Forwarded-For', async function () {
    const r = await request(port, '/accounts/ajax_login/', {
      method: 'POST',
      from: '127.0.0.3',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '192.0.2.99' },
      body: 'username=alice&password=not-the-password',
    });
    expect(r.status).to.equal(403);
    const logFile = join(server.logDir, 'webui-access.log');
    const line = await waitFor(() => readFileSync(logFile, 'utf8').split('\n').find((l) => l.includes('failed to log in')), 5000, 'the failed-login line');
    expect(line).to.include('User "alice" (IP: 127.0.0.3) failed to log in');
    expect(line).to.not.include('192.0.2.99');
  });
});
