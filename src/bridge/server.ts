/**
 * The bridge child's socket (see wire.ts): reads one request per connection, asks the pool,
 * writes the header and, for a file answer, streams the file and removes it.
 */
import { createReadStream } from 'node:fs';
import { rm, stat, unlink } from 'node:fs/promises';
import { basename } from 'node:path';
import net from 'node:net';
import type { Logger } from '../logging/levels.js';
import type { PythonPool } from './pool.js';
import type { BridgeHeader, BridgeRequest } from './wire.js';

const MAX_REQUEST_LINE = 1024 * 1024;

function parseRequest(line: string): BridgeRequest | null {
  try {
    const r = JSON.parse(line) as BridgeRequest;
    return typeof r.op === 'string' && typeof r.args === 'object' && r.args !== null ? r : null;
  } catch {
    return null;
  }
}

function writeHeader(sock: net.Socket, h: BridgeHeader): void {
  sock.write(`${JSON.stringify(h)}\n`);
}

/** Streams the file an answer named after its header; removes it (and its folder) in every case. */
async function sendFile(sock: net.Socket, file: string, dir: string | null): Promise<void> {
  const cleanup = async (): Promise<void> => {
    await (dir ? rm(dir, { recursive: true, force: true }) : unlink(file)).catch(() => undefined);
  };
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (e) {
    writeHeader(sock, { ok: false, status: 500, message: `the engine's answer is missing (${(e as NodeJS.ErrnoException).code})` });
    sock.end();
    await cleanup();
    return;
  }
  writeHeader(sock, { ok: true, size, name: basename(file) });
  const stream = createReadStream(file);
  stream.pipe(sock);
  await new Promise<void>((resolve) => {
    stream.on('close', resolve);
    sock.on('close', () => {
      stream.destroy();
      resolve();
    });
  });
  await cleanup();
}

/** Serves the bridge socket at `path` (an old socket file there is replaced). */
export async function serveBridge(path: string, pool: PythonPool, log: Logger): Promise<net.Server> {
  await unlink(path).catch(() => undefined);
  const server = net.createServer((sock) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('error', () => undefined);
    const onData = (chunk: string): void => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) {
        if (buf.length > MAX_REQUEST_LINE) {
          sock.destroy();
        }
        return;
      }
      sock.off('data', onData);
      const req = parseRequest(buf.slice(0, nl));
      if (!req) {
        writeHeader(sock, { ok: false, status: 400, message: 'not a bridge request' });
        sock.end();
        return;
      }
      void pool.ask(req.op, req.args).then(async (a) => {
        if (a.ok && 'file' in a) {
          await sendFile(sock, a.file, a.dir);
        } else {
          writeHeader(sock, a);
          sock.end();
        }
      }).catch((e) => {
        log.error(`engine bridge: ${(e as Error).stack ?? String(e)}`);
        sock.destroy();
      });
    };
    sock.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  return server;
}
