/**
 * The pool of engine Python processes, owned by the bridge child: each runs
 * python/oq_webui_bridge.py and answers one request at a time (JSON lines on stdin/stdout).
 * A request waits for a free process; a process is killed and replaced when a request runs past
 * BRIDGE_TIMEOUT, and replaced after BRIDGE_MAX_REQUESTS or past BRIDGE_MAX_MEMORY. When the
 * engine's Python cannot start, every request is answered 503 with the reason at once, and a start
 * is tried again in the background.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { oneLine } from '../logging/escape.js';
import type { Logger } from '../logging/levels.js';
import type { Settings } from '../settings/schema.js';
import { ADAPTER, bridgeEnvironment, choosePython, pythonProblem, type PythonChoice } from './python.js';

/** What a Python process answered (its `id` and `rss` taken off). */
export type PyAnswer =
  | { ok: true; json: string }
  | { ok: true; file: string; dir: string | null }
  | { ok: false; status: number; message: string };

interface Job {
  op: string;
  args: Record<string, unknown>;
  resolve: (a: PyAnswer) => void;
}

/** One Python process of the pool. */
class PyProcess {
  readonly proc: ChildProcess;
  ready = false;
  /** Replaced after a HUP: it serves only until a new process is ready. */
  retiring = false;
  requests = 0;
  rss = 0;
  job: Job | null = null;
  timer: NodeJS.Timeout | null = null;
  /** Why it is being killed (time limit), for the answer of its request. */
  killedFor: string | null = null;
  private nextId = 1;

  constructor(python: string, env: NodeJS.ProcessEnv, onLine: (p: PyProcess, line: string) => void, onStderr: (text: string) => void) {
    this.proc = spawn(python, [ADAPTER], { stdio: ['pipe', 'pipe', 'pipe'], env });
    createInterface({ input: this.proc.stdout! }).on('line', (line) => onLine(this, line));
    this.proc.stderr!.on('data', (d: Buffer) => onStderr(d.toString()));
    this.proc.stdin!.on('error', () => undefined);
  }

  send(job: Job): void {
    this.job = job;
    this.proc.stdin!.write(`${JSON.stringify({ id: this.nextId++, op: job.op, args: job.args })}\n`);
  }

  kill(): void {
    try {
      this.proc.kill('SIGKILL');
    } catch {
      // gone already
    }
  }
}

/** The bridge's Python processes and the queue of requests waiting for one. */
export class PythonPool {
  private readonly procs = new Set<PyProcess>();
  private readonly queue: Job[] = [];
  /** Why the engine's Python cannot run (null: it can, or it is being tried). */
  problem: string | null = null;
  /** The engine's version, from the first process that started. */
  version: string | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay = 1000;
  /** The last problem logged and reported (each is said once). */
  private reported: string | null = null;
  private closed = false;
  served = 0;

  constructor(private settings: Settings, private readonly log: Logger, private readonly tmpDir: string, private readonly onVersion: (v: string | null, problem: string | null) => void) {}

  /** Starts the processes (BRIDGE_PROCESSES of them). */
  start(): void {
    this.fill();
  }

  /**
   * HUP: new settings; every process is replaced (new interpreter, limits, environment), each old
   * one leaving once a new one is ready and it is idle, so requests never wait for a start.
   */
  reconfigure(settings: Settings): void {
    this.settings = settings;
    this.problem = null;
    this.retryDelay = 1000;
    for (const p of this.procs) {
      p.retiring = true;
    }
    this.fill();
  }

  /** Runs one request on a free process (waiting for one); never rejects. */
  ask(op: string, args: Record<string, unknown>): Promise<PyAnswer> {
    if (this.problem !== null) {
      return Promise.resolve({ ok: false, status: 503, message: this.unavailable() });
    }
    return new Promise((resolve) => {
      this.queue.push({ op, args, resolve });
      this.dispatch();
    });
  }

  /** How many requests run or wait now. */
  get busy(): number {
    return this.queue.length + [...this.procs].filter((p) => p.job !== null).length;
  }

  /** Kills every process and answers what waits (the bridge is stopping). */
  close(): void {
    this.closed = true;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
    }
    for (const job of this.queue.splice(0)) {
      job.resolve({ ok: false, status: 503, message: 'The engine bridge is stopping' });
    }
    for (const p of this.procs) {
      p.kill();
    }
  }

  private unavailable(): string {
    return `The engine's Python cannot be run by the engine bridge: ${this.problem}`;
  }

  private fill(): void {
    if (this.closed || this.problem !== null) {
      return;
    }
    const choice = choosePython(this.settings);
    if (!choice.ok) {
      this.fail(choice.problem);
      return;
    }
    while ([...this.procs].filter((p) => !p.retiring).length < this.settings.BRIDGE_PROCESSES) {
      const env = bridgeEnvironment(process.env, this.settings, this.tmpDir);
      const p = new PyProcess(choice.python, env, (proc, line) => this.onLine(proc, line, choice), (text) => this.onStderr(text));
      this.procs.add(p);
      p.proc.on('error', (e) => this.onError(p, e, choice));
      p.proc.on('exit', (code, signal) => this.onExit(p, code, signal, choice));
    }
  }

  private onStderr(text: string): void {
    for (const line of text.split('\n')) {
      if (line.trim()) {
        this.log.debug(`engine bridge (python): ${line}`);
      }
    }
  }

  private onLine(p: PyProcess, line: string, choice: Extract<PythonChoice, { ok: true }>): void {
    const python = choice.python;
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      // the adapter only writes JSON lines: this process cannot be trusted any more
      this.log.error(`engine bridge: a line that is not JSON from ${python}: ${JSON.stringify(line.slice(0, 200))}`);
      p.killedFor = 'it answered something that is not JSON (the server log has it)';
      p.kill();
      return;
    }
    if (!p.ready) {
      if (msg.ready === true) {
        p.ready = true;
        this.retryDelay = 1000;
        this.reported = null;
        if (this.version !== msg.version) {
          this.version = String(msg.version);
          this.onVersion(this.version, null);
        }
        this.retireReplaced();
        this.dispatch();
      } else {
        this.fail(pythonProblem(choice, `cannot import the engine (${String(msg.problem)})`));
      }
      return;
    }
    const job = p.job;
    if (p.timer) {
      clearTimeout(p.timer);
      p.timer = null;
    }
    p.job = null;
    p.requests += 1;
    p.rss = Number(msg.rss ?? 0);
    this.served += 1;
    if (typeof msg.log === 'string') {
      // what the operator must see (an unreadable engine database): the request only gets the sentence
      this.log.error(`engine bridge: ${oneLine(msg.log)}`);
    }
    if (job) {
      job.resolve(msg.ok === true
        ? (typeof msg.file === 'string' ? { ok: true, file: msg.file, dir: (msg.dir as string | null) ?? null } : { ok: true, json: String(msg.json) })
        : { ok: false, status: Number(msg.status ?? 400), message: String(msg.message) });
    }
    this.recycleIfDue(p);
    this.retireReplaced();
    this.dispatch();
  }

  /** The old processes of a HUP that are idle, once a new one is ready to take their work. */
  private retireReplaced(): void {
    const fresh = [...this.procs].some((p) => !p.retiring && p.ready);
    for (const p of [...this.procs]) {
      if (fresh && p.retiring && p.job === null) {
        this.retire(p);
      }
    }
  }

  private recycleIfDue(p: PyProcess): void {
    const s = this.settings;
    if (s.BRIDGE_MAX_REQUESTS > 0 && p.requests >= s.BRIDGE_MAX_REQUESTS) {
      this.log.info(`engine bridge: replacing Python process ${p.proc.pid} after ${p.requests} requests`);
      this.retire(p);
    } else if (s.BRIDGE_MAX_MEMORY > 0 && p.rss > s.BRIDGE_MAX_MEMORY * 1048576) {
      this.log.info(`engine bridge: replacing Python process ${p.proc.pid}: ${Math.round(p.rss / 1048576)} MiB over BRIDGE_MAX_MEMORY ${s.BRIDGE_MAX_MEMORY} MiB`);
      this.retire(p);
    }
  }

  /** Takes a process out of the pool (closing its stdin ends its loop) and starts its replacement. */
  private retire(p: PyProcess): void {
    this.procs.delete(p);
    p.proc.stdin?.end();
    setTimeout(() => p.kill(), 5000).unref();
    this.fill();
  }

  private dispatch(): void {
    // new processes first: the old ones of a HUP only while no new one is ready
    const fresh = [...this.procs].some((p) => !p.retiring && p.ready);
    for (const p of this.procs) {
      if (this.queue.length === 0) {
        return;
      }
      if (p.ready && p.job === null && !(fresh && p.retiring)) {
        const job = this.queue.shift() as Job;
        p.send(job);
        const limit = this.settings.BRIDGE_TIMEOUT;
        p.timer = setTimeout(() => {
          p.killedFor = `it ran longer than BRIDGE_TIMEOUT (${limit} s)`;
          this.log.warning(`engine bridge: request ${job.op} ran longer than BRIDGE_TIMEOUT (${limit} s): Python process ${p.proc.pid} killed and replaced`);
          p.kill();
        }, limit * 1000);
      }
    }
  }

  private onError(p: PyProcess, e: Error, choice: Extract<PythonChoice, { ok: true }>): void {
    this.procs.delete(p);
    this.fail(pythonProblem(choice, `cannot be started (${(e as NodeJS.ErrnoException).code ?? e.message})`));
  }

  private onExit(p: PyProcess, code: number | null, signal: NodeJS.Signals | null, choice: Extract<PythonChoice, { ok: true }>): void {
    if (p.timer) {
      clearTimeout(p.timer);
    }
    const was = this.procs.delete(p);
    if (p.job) {
      const timedOut = p.killedFor?.includes('BRIDGE_TIMEOUT') ?? false;
      p.job.resolve({
        ok: false,
        status: timedOut ? 504 : 503,
        message: p.killedFor !== null
          ? `The engine bridge stopped this request: ${p.killedFor}`
          : `The engine's Python process ended during this request (${signal ?? `exit code ${code}`}); try again`,
      });
      p.job = null;
    }
    if (was && !this.closed && this.problem === null) {
      if (!p.ready) {
        this.fail(pythonProblem(choice, `exited at start (${signal ?? `exit code ${code}`}; its lines are in the server log at debug level)`));
        return;
      }
      this.fill();
    }
  }

  /** The engine cannot run: answer everything waiting with the reason, try again later (backing off to a minute). */
  private fail(problem: string): void {
    if (this.closed) {
      return;
    }
    const changed = this.reported !== problem;
    this.reported = problem;
    this.problem = problem;
    for (const job of this.queue.splice(0)) {
      job.resolve({ ok: false, status: 503, message: this.unavailable() });
    }
    for (const p of this.procs) {
      p.kill();
    }
    this.procs.clear();
    if (changed) {
      this.log.error(`engine bridge: ${this.unavailable()}`);
      this.onVersion(null, problem);
    }
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.problem = null;
      this.fill();
    }, this.retryDelay);
    this.retryTimer.unref();
    this.retryDelay = Math.min(60_000, this.retryDelay * 2);
  }
}
