/** Shared pieces of the benchmarks: the wrk load tool, servers, small statistics. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { DIST_ROOT } from '../src/paths.js';
import { freePort, sleep } from '../test/helpers/server.js';

/** What one wrk run measured. */
export interface WrkResult {
  requests: number;
  perSecond: number;
  /** Socket errors (connect, read, write, timeout) plus non-2xx/3xx answers. */
  failed: number;
  detail: string;
}

/** Runs wrk against `url` for `seconds` with `connections` keep-alive connections (wrkRun without the percentiles). */
export function wrk(url: string, seconds: number, connections = 32, threads = 1): Promise<WrkResult> {
  return wrkRun(url, { seconds, connections, threads });
}

/** Options of one wrk run. */
export interface WrkOptions {
  seconds: number;
  connections: number;
  threads?: number;
  headers?: Record<string, string>;
}

/** What wrkRun measured: req/s, latency percentiles (ms), errors. */
export interface WrkFigures extends WrkResult {
  p50: number;
  p99: number;
}

/** A wrk latency like `812.00us`, `1.23ms`, `2.01s`, in milliseconds. */
function wrkMs(text: string | undefined): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text ?? '');
  if (!m) {
    return NaN;
  }
  const scale: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };
  return Number(m[1]) * scale[m[2]];
}

/** Runs wrk with --latency: requests per second and the median and 99th percentile latency. */
export function wrkRun(url: string, o: WrkOptions): Promise<WrkFigures> {
  const args = [`-t${o.threads ?? 2}`, `-c${o.connections}`, `-d${o.seconds}s`, '--timeout', '5s', '--latency'];
  for (const [k, v] of Object.entries(o.headers ?? {})) {
    args.push('-H', `${k}: ${v}`);
  }
  return new Promise((resolve, reject) => {
    execFile('wrk', [...args, url], (err, stdout) => {
      if (err) {
        reject(new Error(`wrk failed (is it installed? apt-get install wrk): ${err.message}`));
        return;
      }
      const num = (re: RegExp): number => Number(re.exec(stdout)?.[1] ?? 0);
      const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
      const socketErrors = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
      const non2xx = num(/Non-2xx or 3xx responses: (\d+)/);
      resolve({
        requests: num(/(\d+) requests in/),
        perSecond: num(/Requests\/sec:\s+([\d.]+)/),
        failed: socketErrors + non2xx,
        detail: `${socket ? socket[0] : 'Socket errors: none'}; non-2xx: ${non2xx}`,
        p50: wrkMs(/^\s+50%\s+(\S+)/m.exec(stdout)?.[1]),
        p99: wrkMs(/^\s+99%\s+(\S+)/m.exec(stdout)?.[1]),
      });
    });
  });
}

/** The bare node:cluster hello of bench/cluster-hello.ts, started on a free port. */
export async function startClusterHello(workers: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const proc: ChildProcess = spawn(process.execPath, [join(DIST_ROOT, 'bench', 'cluster-hello.js'), String(port), String(workers)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    proc.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        resolve();
      }
    });
    proc.on('exit', () => reject(new Error('the cluster baseline exited')));
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: async () => {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    },
  };
}

/** The median of a list of numbers. */
export function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) {
    return NaN;
  }
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Resident memory of a process in bytes (VmRSS from /proc). */
export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** MiB with one decimal. */
export function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

/** Runs `fn` at each of the given offsets (ms) from now; resolves when all have run. */
export async function atTimes(offsets: number[], fn: (i: number) => void | Promise<void>): Promise<void> {
  const t0 = Date.now();
  for (let i = 0; i < offsets.length; i += 1) {
    const wait = t0 + offsets[i] - Date.now();
    if (wait > 0) {
      await sleep(wait);
    }
    await fn(i);
  }
}

/** Prints one line of a benchmark's figures. */
export function report(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** CPU time (user + system) a process has used so far, in microseconds. */
export function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux)
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** The pids of the processes whose command line contains `text` (the bare cluster's workers). */
export function pidsRunning(text: string): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try {
      return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(text);
    } catch {
      return false;
    }
  }).map(Number);
}

/** How many established TCP connections to local port `port` the process holds. */
export function connectionsHeld(pid: number, port: number): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) {
        inodes.add(m[1]);
      }
    } catch {
      // closed meanwhile
    }
  }
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let n = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local address, state 01 = ESTABLISHED, inode
      if (f.length > 9 && f[1].endsWith(`:${hexPort}`) && f[3] === '01' && inodes.has(f[9])) {
        n += 1;
      }
    }
  }
  return n;
}
