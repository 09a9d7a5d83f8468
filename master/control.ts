import net from 'node:net';
import { chmodSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LogProblem } from '../src/logging/fail-soft-files.js';

/** The master's answer to `status`. */
export interface StatusReply {
  master: { pid: number; version: string; uptime: number; workers: number; generation?: number };
  children: object[];
  /** The log files the master cannot write now (a full disk, an immutable file). */
  logs?: LogProblem[];
}

/** A unix socket beside the pidfile where the master answers `status` (one JSON reply per connection). */
export class ControlServer {
  private server: net.Server | null = null;

  constructor(readonly path: string, private readonly status: () => StatusReply) {}

  /** Starts listening (mode 0600: only the server's user may ask). */
  async start(): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true });
    if (existsSync(this.path)) {
      // the default socket (runtime folder) is shared by every server of a user started without -p
      const other = await askStatus(this.path, 1000).catch(() => null);
      if (other !== null) {
        throw new Error(`another oq-webui master (pid ${other.master.pid}) answers on ${this.path}: stop it, or give this server its own --pid or --control-socket`);
      }
      unlinkSync(this.path);
    }
    const server = net.createServer((sock) => {
      let buf = '';
      sock.setEncoding('utf8');
      sock.on('data', (d) => {
        buf += d;
        if (buf.includes('\n')) {
          const cmd = buf.trim();
          const reply = cmd === 'status' ? this.status() : { error: `unknown command ${JSON.stringify(cmd)}` };
          sock.end(`${JSON.stringify(reply)}\n`);
        }
      });
      sock.on('error', () => undefined);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => resolve());
    });
    chmodSync(this.path, 0o600);
    server.unref();
    this.server = server;
  }

  /** Stops listening and removes the socket file. */
  close(): void {
    if (this.server === null) {
      // never listened: the file there, if any, is another master's
      return;
    }
    this.server.close();
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}

/** Asks the master at `path` for its status. */
export function askStatus(path: string, timeoutMs = 3000): Promise<StatusReply> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(path);
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer from the master on ${path}`));
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write('status\n'));
    sock.on('data', (d) => {
      buf += d;
    });
    sock.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buf) as StatusReply);
      } catch (e) {
        reject(e as Error);
      }
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
