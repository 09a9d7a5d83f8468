/**
 * Helpers for the master, worker, settings and CLI tests: running the CLI once, raw HTTP,
 * a steady stream of requests, copies of the built tree (process liveness: ../helpers/processes.ts).
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { BIN, sleep, tempDir } from '../helpers/server.js';

/** What one run of the CLI produced. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `oq-webui ARGS...` to its end (killed after `timeoutMs`). */
export function runCli(args: string[], opts: { env?: Record<string, string>; bin?: string; timeoutMs?: number; cwd?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = { ...(process.env as Record<string, string>) };
    delete env.WEB_CONCURRENCY;
    Object.assign(env, opts.env ?? {});
    const proc = spawn(process.execPath, [opts.bin ?? BIN, ...args], { env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    proc.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The answer to one raw HTTP exchange: everything the server sent until it closed, or until `idleMs` of silence. */
export function rawExchange(target: { port: number; host?: string }, text: string | Buffer, idleMs = 1500): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(target.port, target.host ?? '127.0.0.1');
    let buf = '';
    let timer: NodeJS.Timeout | null = null;
    const arm = (): void => {
      if (timer) {
        clearTimeout(timer);
      }
      timer = setTimeout(() => sock.destroy(), idleMs);
    };
    sock.on('connect', () => {
      sock.write(text);
      arm();
    });
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      arm();
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (buf) {
        resolve(buf);
      } else {
        reject(e);
      }
    });
    sock.on('close', () => {
      if (timer) {
        clearTimeout(timer);
      }
      resolve(buf);
    });
  });
}

/** A GET on a connection of its own (no keep-alive reuse); resolves with the status, headers and body. */
export function getFresh(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
  });
}

/** A GET through a unix socket; resolves with the status and body. */
export function getOverUnixSocket(socketPath: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path, method: 'GET', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A steady stream of requests from `concurrency` keep-alive clients, counting answers and failures. */
export class Load {
  ok = 0;
  failed = 0;
  readonly errors: string[] = [];
  readonly bodies = new Set<string>();
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(readonly url: string, concurrency = 4) {
    this.loops = Array.from({ length: concurrency }, () => this.loop());
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        const res = await fetch(this.url);
        const body = await res.text();
        if (res.status === 200) {
          this.ok += 1;
          this.bodies.add(body);
        } else {
          this.failed += 1;
          this.errors.push(`status ${res.status}: ${body.slice(0, 200)}`);
        }
      } catch (e) {
        this.failed += 1;
        const err = e as Error & { cause?: Error };
        this.errors.push(`${err.message}${err.cause ? `: ${err.cause.message}` : ''}`);
        await sleep(5);
      }
    }
  }

  /** Stops the clients once their current request is answered. */
  async stop(): Promise<{ ok: number; failed: number; errors: string[] }> {
    this.running = false;
    await Promise.all(this.loops);
    return { ok: this.ok, failed: this.failed, errors: this.errors };
  }
}

/** A copy of the built installation (dist/, bin/, package.json, config/, node_modules linked) to break or change. */
export function copyTree(): string {
  const root = tempDir('oq-webui-tree-');
  for (const part of ['dist', 'bin', 'config']) {
    cpSync(join(PACKAGE_ROOT, part), join(root, part), { recursive: true });
  }
  cpSync(join(PACKAGE_ROOT, 'package.json'), join(root, 'package.json'));
  symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(root, 'node_modules'));
  mkdirSync(join(root, 'logs'), { recursive: true });
  return root;
}

/** Lines of `text` matching `re`. */
export function linesMatching(text: string, re: RegExp): string[] {
  return text.split('\n').filter((l) => re.test(l));
}
