import net from 'node:net';
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import { parseBind, type BindAddress } from '../src/settings/bind.js';
import { START_ERROR } from '../src/ipc/protocol.js';
import { HaltServer } from './errors.js';

/** A socket the master bound: handed to every worker, never accepted on by the master. */
export interface Listener {
  address: BindAddress;
  /** libuv's raw server handle (TCPWrap or PipeWrap), sent to workers as a native handle. */
  handle: object;
  /** How it is shown in the log: http://127.0.0.1:8800, unix:/run/x.sock, fd://3. */
  url: string;
}

// Node's internal, used by node:cluster the same way: bind in the primary without accepting there.
// Typed by hand because it is not in @types/node.
type CreateServerHandle = (address: string | null, port: number, addressType: number, fd?: number, flags?: number) => object | number;
const createServerHandle = (net as unknown as { _createServerHandle: CreateServerHandle })._createServerHandle;

function errnoName(code: number): string {
  const names: Record<number, string> = { [-98]: 'EADDRINUSE', [-13]: 'EACCES', [-99]: 'EADDRNOTAVAIL', [-9]: 'EBADF', [-22]: 'EINVAL', [-2]: 'ENOENT' };
  return names[code] ?? `error ${code}`;
}

function explain(addr: BindAddress, code: number): string {
  const name = errnoName(code);
  if (name === 'EADDRINUSE') {
    return `Connection in use: ${addr.text} (another process listens there; stop it or choose another --bind)`;
  }
  if (name === 'EACCES') {
    return `Permission denied to bind ${addr.text} (ports below 1024 need root or CAP_NET_BIND_SERVICE)`;
  }
  return `Cannot bind ${addr.text}: ${name}`;
}

function systemdFds(): number[] {
  const pid = Number(process.env.LISTEN_PID);
  const count = Number(process.env.LISTEN_FDS);
  if (pid !== process.pid || !Number.isInteger(count) || count < 1) {
    return [];
  }
  return Array.from({ length: count }, (_, i) => 3 + i);
}

/** libuv reports EADDRINUSE only at listen(), which happens in the workers: ask first, clearly. */
function probeTcp(addr: Extract<BindAddress, { kind: 'tcp' }>): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (e: NodeJS.ErrnoException) => {
      const codes: Record<string, number> = { EADDRINUSE: -98, EACCES: -13, EADDRNOTAVAIL: -99 };
      reject(new HaltServer(explain(addr, codes[e.code ?? ''] ?? -22), START_ERROR));
    });
    probe.listen({ host: addr.host, port: addr.port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** Binds every address (or adopts systemd's sockets); throws HaltServer with a clear reason. */
export async function bindAll(binds: string[]): Promise<Listener[]> {
  const fromSystemd = systemdFds();
  if (fromSystemd.length > 0) {
    delete process.env.LISTEN_PID;
    delete process.env.LISTEN_FDS;
    delete process.env.LISTEN_FDNAMES;
    return fromSystemd.map((fd) => bindOne(parseBind(`fd://${fd}`)));
  }
  const out: Listener[] = [];
  for (const text of binds) {
    const addr = parseBind(text);
    if (addr.kind === 'tcp' && addr.port !== 0) {
      await probeTcp(addr);
    }
    out.push(bindOne(addr));
  }
  return out;
}

function bindOne(addr: BindAddress): Listener {
  let handle: object | number;
  let url: string;
  if (addr.kind === 'unix') {
    if (existsSync(addr.path) && lstatSync(addr.path).isSocket()) {
      unlinkSync(addr.path);
    }
    handle = createServerHandle(addr.path, -1, -1, undefined, 0);
    url = `unix:${addr.path}`;
  } else if (addr.kind === 'fd') {
    // port 0, not -1: Node asserts that an adopted fd comes with neither address nor port
    handle = createServerHandle(null, 0, 0, addr.fd, 0);
    url = `fd://${addr.fd}`;
  } else {
    const family = net.isIPv6(addr.host) ? 6 : 4;
    handle = createServerHandle(addr.host, addr.port, family, undefined, 0);
    url = `http://${family === 6 ? `[${addr.host}]` : addr.host}:${addr.port}`;
  }
  if (typeof handle === 'number') {
    throw new HaltServer(explain(addr, handle), START_ERROR);
  }
  if (addr.kind === 'tcp' && addr.port === 0) {
    const out: { port?: number } = {};
    (handle as { getsockname(o: object): number }).getsockname(out);
    url = url.replace(/:0$/, `:${out.port}`);
  }
  return { address: addr, handle, url };
}

/** Closes the master's copies (workers keep theirs until they stop). */
export function closeAll(listeners: Listener[]): void {
  for (const l of listeners) {
    (l.handle as { close(): void }).close();
    if (l.address.kind === 'unix' && existsSync(l.address.path)) {
      try {
        unlinkSync(l.address.path);
      } catch {
        // best effort
      }
    }
  }
}
