/**
 * The shipped nginx site (config/nginx/oq-webui.conf) as an operator with several hosts writes it
 * (README "Several hosts" step 4), run by a real nginx in a temp prefix on a free loopback port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { freePort, tempDir, waitFor } from './server.js';

/** The shipped site. */
export const NGINX_SITE = join(PACKAGE_ROOT, 'config', 'nginx', 'oq-webui.conf');

/** The site with the single upstream server replaced by the commented pair (ports `a`, `b` on loopback), the retry lines on, listening on `port`. */
export function twoHostSite(a: number, b: number, port: number): string {
  const site = readFileSync(NGINX_SITE, 'utf8');
  const out = site
    .replace(/^ {4}server 127\.0\.0\.1:8800;\n/m, '')
    .replace(/^( {4})# server 10\.0\.0\.21:8800 (.*)$/m, `$1server 127.0.0.1:${a} $2`)
    .replace(/^( {4})# server 10\.0\.0\.22:8800 (.*)$/m, `$1server 127.0.0.1:${b} $2`)
    .replace(/^( {8})# (proxy_next_upstream\b.*|proxy_next_upstream_tries .*|proxy_connect_timeout .*)$/gm, '$1$2')
    .replace('listen 80;', `listen 127.0.0.1:${port};`);
  // every line the README tells the operator to uncomment was there to be uncommented
  expect(out.match(/^ {4}server 127\.0\.0\.1:\d+ max_fails=1 fail_timeout=10s;$/gm)).to.have.length(2);
  expect(out).to.match(/^ {8}proxy_next_upstream error timeout http_502 http_503;$/m);
  return out;
}

/** A real nginx serving a site. */
export interface RunningNginx {
  port: number;
  base: string;
  prefix: string;
  /** Its nginx.conf (for `nginx -t -p prefix -c conf`). */
  conf: string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** QUIT, wait for the exit, remove the prefix. */
  stop(): Promise<void>;
}

/** Writes an nginx.conf around the site `siteFor(port)` into a temp prefix and starts nginx (in the foreground, as our child); resolves once it answers. */
export async function startNginx(siteFor: (port: number) => string): Promise<RunningNginx> {
  const port = await freePort();
  const prefix = tempDir('oq-webui-nginx-');
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(conf, [
    'worker_processes 1;', `pid ${prefix}/nginx.pid;`, `error_log ${prefix}/logs/error.log;`, 'daemon off;',
    'events { worker_connections 1024; }',
    'http {', `access_log ${prefix}/logs/access.log;`, `client_body_temp_path ${prefix}/body;`, `proxy_temp_path ${prefix}/proxy;`,
    siteFor(port), '}',
  ].join('\n'));
  const proc: ChildProcess = spawn('nginx', ['-p', prefix, '-c', conf], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    proc.kill('SIGQUIT');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    proc.kill('SIGKILL');
    rmSync(prefix, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => (await fetch(`${base}/`, { redirect: 'manual' })).status > 0, 10_000, 'nginx to answer');
  } catch (e) {
    await stop();
    throw e;
  }
  return { port, base, prefix, conf, fetch: (path, init) => fetch(`${base}${path}`, init), stop };
}
