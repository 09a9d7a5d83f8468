/**
 * The pages' static files: served by the workers with long-lived caching for fingerprinted
 * names, copied by `oq-webui collectstatic` into STATIC_ROOT (safely re-runnable), and served
 * from there by the shipped nginx site. Every page carries a CSP without unsafe-inline and
 * loads nothing from another site.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { BIN, freePort, startServer, waitFor, type RunningServer } from '../helpers/server.js';
import { ensureAssets } from './support.js';

const run = promisify(execFile);

function manifest(): Record<string, string> {
  return JSON.parse(readFileSync(join(PACKAGE_ROOT, 'dist', 'static', 'manifest.json'), 'utf8')) as Record<string, string>;
}

describe('static files and page headers', function () {
  this.timeout(60_000);
  let server: RunningServer;

  before(async function () {
    ensureAssets();
    server = await startServer({ workers: 1, settings: { LOCKDOWN: true } });
  });

  after(async function () {
    await server?.stop();
  });

  it('serves fingerprinted assets with a year-long cache, plain names with a short one, unknown ones as 404 (no login needed)', async function () {
    const hashed = await server.fetch(`/static/${manifest()['style.css']}`);
    expect(hashed.status).to.equal(200);
    expect(hashed.headers.get('cache-control')).to.equal('public, max-age=31536000, immutable');
    expect(hashed.headers.get('content-type')).to.match(/^text\/css/);
    const plain = await server.fetch('/static/style.css');
    expect(plain.status).to.equal(200);
    expect(plain.headers.get('cache-control')).to.equal('public, max-age=300');
    expect(await plain.text()).to.equal(await hashed.text());
    expect((await server.fetch('/static/nothing-here.js')).status).to.equal(404);
    const escape = await server.fetch('/static/..%2f..%2fpackage.json', { redirect: 'manual' });
    expect(escape.status).to.not.equal(200);
    expect(await escape.text()).to.not.include('"dependencies"');
  });

  it('sets a Content-Security-Policy without unsafe-inline on pages, and the pages load only their own files', async function () {
    const login = await server.fetch('/accounts/login/');
    const csp = login.headers.get('content-security-policy') ?? '';
    expect(csp).to.include("script-src 'self'");
    expect(csp).to.not.include('unsafe-inline');
    expect(csp).to.include("frame-ancestors 'none'");
    const html = await login.text();
    const refs = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).to.be.greaterThan(1);
    for (const r of refs) {
      expect(r, 'a page asset from another site').to.match(/^\/static\//);
    }
    expect(html).to.not.match(/<script>(?!<\/script>)/);
  });

  it('collectstatic copies the assets into STATIC_ROOT, says what it copied, and is safe to re-run', async function () {
    const root = join(server.dir, 'www', 'webui');
    const env = { ...process.env, OQ_WEBUI_STATIC_ROOT: root };
    const first = await run(process.execPath, [BIN, 'collectstatic', '--noinput'], { env });
    const names = Object.keys(manifest());
    expect(first.stdout).to.include(`Copying ${manifest()['app.js']}`);
    expect(first.stdout).to.match(new RegExp(`\\d+ static files copied to '${root}', 0 unmodified`));
    for (const n of names) {
      expect(readFileSync(join(root, manifest()[n]))).to.deep.equal(readFileSync(join(PACKAGE_ROOT, 'dist', 'static', n)));
    }
    const again = await run(process.execPath, [BIN, 'collectstatic'], { env });
    expect(again.stdout).to.match(/\n0 static files copied to '.*', \d+ unmodified\./);
    const refused = await run(process.execPath, [BIN, 'collectstatic'], { env: { ...process.env, OQ_WEBUI_STATIC_ROOT: join(PACKAGE_ROOT, 'static') } }).catch((e: { code: number; stderr: string }) => e);
    expect((refused as { code: number }).code).to.equal(1);
    expect((refused as { stderr: string }).stderr).to.include('inside the project');
  });

  it('the shipped nginx site serves the collected files under /static/ (fingerprinted ones cached for a year) and proxies the pages', async function () {
    const root = join(server.dir, 'www', 'webui');
    await run(process.execPath, [BIN, 'collectstatic'], { env: { ...process.env, OQ_WEBUI_STATIC_ROOT: root } });
    const port = await freePort();
    const prefix = join(server.dir, 'nginx');
    mkdirSync(join(prefix, 'logs'), { recursive: true });
    for (const d of [server.dir, join(server.dir, 'www'), root]) {
      chmodSync(d, 0o755);
    }
    const site = readFileSync(join(PACKAGE_ROOT, 'config', 'nginx', 'oq-webui.conf'), 'utf8')
      .replace('server 127.0.0.1:8800;', `server 127.0.0.1:${server.port};`)
      .replace('listen 80;', `listen 127.0.0.1:${port};`)
      .replace('alias /var/www/webui/;', `alias ${root}/;`);
    writeFileSync(join(prefix, 'nginx.conf'), [
      'worker_processes 1;', `pid ${prefix}/nginx.pid;`, `error_log ${prefix}/logs/error.log;`, 'daemon off;',
      'events { worker_connections 64; }',
      'http {', 'include /etc/nginx/mime.types;', `access_log ${prefix}/logs/access.log;`, `client_body_temp_path ${prefix}/body;`, `proxy_temp_path ${prefix}/proxy;`,
      site, '}',
    ].join('\n'));
    const nginx: ChildProcess = spawn('nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf')], { stdio: 'ignore' });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor(async () => (await fetch(`${base}/accounts/login/`)).status === 200, 10_000, 'nginx');
      const hashedName = manifest()['style.css'];
      const hashed = await fetch(`${base}/static/${hashedName}`);
      expect(hashed.status).to.equal(200);
      expect(hashed.headers.get('cache-control')).to.include('max-age=31536000');
      expect(Buffer.from(await hashed.arrayBuffer())).to.deep.equal(readFileSync(join(root, hashedName)));
      const plain = await fetch(`${base}/static/app.js`);
      expect(plain.status).to.equal(200);
      expect(plain.headers.get('cache-control')).to.equal('max-age=3600');
      const page = await (await fetch(`${base}/accounts/login/`)).text();
      expect(page).to.include(`/static/${hashedName}`);
    } finally {
      nginx.kill('SIGQUIT');
    }
  });
});
