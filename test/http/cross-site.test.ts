import http from 'node:http';
import { expect } from 'chai';
import { resolveSettings } from '../../src/settings/load.js';
import { startServer, type RunningServer } from '../helpers/server.js';

/** One real HTTP request with exactly these headers (fetch would not send a foreign Host). */
function request(port: number, method: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, setHost: !('Host' in headers) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('LOCKDOWN off: cross-site writes and foreign Host names are refused, same-site use and scripts go on', function () {
  this.timeout(90_000);
  let server: RunningServer;
  let port: number;

  before(async function () {
    server = await startServer({ workers: 1 });
    port = server.port;
  });

  after(async function () {
    await server?.stop();
  });

  it('refuses a run or a remove sent by a page of another site (Origin, Referer or Sec-Fetch-Site: cross-site) with 403 and a sentence', async function () {
    const host = `127.0.0.1:${port}`;
    const forged: Record<string, string>[] = [
      { Origin: 'http://evil.com' },
      { Referer: 'http://evil.com/page.html' },
      { 'Sec-Fetch-Site': 'cross-site' },
      { Origin: 'null' },
    ];
    for (const headers of forged) {
      for (const path of ['/v1/calc/run', '/v1/calc/1/remove']) {
        const r = await request(port, 'POST', path, { Host: host, ...headers });
        expect(r.status, `${path} ${JSON.stringify(headers)}`).to.equal(403);
        expect(JSON.parse(r.body).error).to.match(/^Forbidden: cross-site request refused/);
      }
    }
  });

  it('lets the same site, and clients that send no browser headers, write as before', async function () {
    const host = `127.0.0.1:${port}`;
    const sameSite: Record<string, string>[] = [{}, { Origin: `http://${host}` }, { 'Sec-Fetch-Site': 'same-origin' }, { Referer: `http://${host}/engine/` }];
    for (const headers of sameSite) {
      const r = await request(port, 'POST', '/v1/calc/1/remove', { Host: host, ...headers });
      // no such calculation: the request reached the route
      expect(r.status, JSON.stringify(headers)).to.equal(404);
    }
    // reads are not writes: a page elsewhere may still link to the list
    expect((await request(port, 'GET', '/v1/calc/list', { Host: host, 'Sec-Fetch-Site': 'cross-site' })).status).to.equal(200);
  });

  it('answers only loopback Host names while it listens on loopback only (DNS rebinding), with 400 and a sentence', async function () {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost', `app.localhost:${port}`, `LOCALHOST.:${port}`]) {
      expect((await request(port, 'GET', '/v1/calc/list', { Host: host })).status, host).to.equal(200);
    }
    const rebound = await request(port, 'GET', '/v1/calc/list', { Host: `evil.example:${port}` });
    expect(rebound.status).to.equal(400);
    expect(JSON.parse(rebound.body).error).to.equal('Bad Request: this server does not answer to the host name "evil.example"; the operator may add it to ALLOWED_HOSTS');
    const page = await request(port, 'GET', '/engine/', { Host: `evil.example:${port}` });
    expect(page.status).to.equal(400);
    expect(page.body).to.include('ALLOWED_HOSTS');
    const written = await request(port, 'POST', '/v1/calc/1/remove', { Host: '192.168.1.7' });
    expect(written.status).to.equal(400);
    const junk = await request(port, 'GET', '/v1/calc/list', { Host: 'evil example' });
    expect(junk.status).to.equal(400);
    expect(JSON.parse(junk.body).error).to.equal('Bad Request: invalid Host header "evil example"');
  });

  it('answers the names ALLOWED_HOSTS gives (Django\'s rules: a leading dot takes the subdomains), and only those', async function () {
    const named = await startServer({ workers: 1, settings: { ALLOWED_HOSTS: ['.example.org', 'webui.lan'] } });
    try {
      for (const [host, status] of [['example.org', 200], [`a.b.example.org:${named.port}`, 200], ['webui.lan:80', 200], ['notexample.org', 400], [`127.0.0.1:${named.port}`, 400]] as const) {
        expect((await request(named.port, 'GET', '/v1/calc/list', { Host: host })).status, host).to.equal(status);
      }
    } finally {
      await named.stop();
    }
  });

  it('keeps the original\'s * everywhere else: under LOCKDOWN, behind a proxy, or listening beyond loopback', function () {
    const hosts = (settings: Record<string, unknown>, cli: Record<string, string | string[]> = {}): string[] => {
      const env = { OQ_WEBUI_CONFIG: '/nonexistent' } as NodeJS.ProcessEnv;
      for (const [k, v] of Object.entries(settings)) {
        env[`OQ_WEBUI_${k}`] = String(v);
      }
      return resolveSettings({ cli, env }).settings.ALLOWED_HOSTS;
    };
    const loopback = ['.localhost', '127.0.0.1', '[::1]'];
    expect(hosts({})).to.deep.equal(loopback);
    expect(hosts({}, { BIND: ['127.0.0.1:8800', '[::1]:8800', 'localhost:9000'] })).to.deep.equal(loopback);
    expect(hosts({}, { BIND: ['0.0.0.0:8800'] })).to.deep.equal(['*']);
    expect(hosts({}, { BIND: ['127.0.0.1:8800', '192.168.1.7:8800'] })).to.deep.equal(['*']);
    expect(hosts({}, { BIND: ['unix:/run/oq-webui/http.sock'] })).to.deep.equal(['*']);
    expect(hosts({ LOCKDOWN: true })).to.deep.equal(['*']);
    expect(hosts({ APPLICATION_MODE: 'RESTRICTED' })).to.deep.equal(['*']);
    expect(hosts({ USE_REVERSE_PROXY: true })).to.deep.equal(['*']);
    expect(hosts({ ALLOWED_HOSTS: 'webui.lan,.example.org' })).to.deep.equal(['webui.lan', '.example.org']);
  });
});
