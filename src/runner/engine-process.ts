/**
 * One run of the engine command: spawned without a shell in its own process group, its output
 * read line by line, and stopped as a whole group (SIGINT, then SIGTERM, then SIGKILL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { isAbsolute, resolve } from 'node:path';
import { createInterface, type Interface } from 'node:readline';

/** After SIGINT, how long the engine has to clean up before SIGTERM. */
export const INT_GRACE_MS = 300;
/** After SIGTERM, how long before SIGKILL (the whole stop stays under a second). */
export const TERM_GRACE_MS = 400;

/** After the engine exited, how long its pipes may stay open (held by an escaped process). */
const PIPE_DRAIN_MS = 2000;

/** How the engine process ended. */
export interface EngineExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What to start and where its lines go. */
export interface EngineSpawn {
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  onLine: (stream: 'stdout' | 'stderr', line: string) => void;
}

/** Sends a signal to a whole process group; false when the group is gone. */
export function signalGroup(pgid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, sig);
    return true;
  } catch {
    return false;
  }
}

/** A running engine process. */
export class EngineProcess {
  /** Resolves when the process has exited and both pipes are drained. */
  readonly done: Promise<EngineExit>;
  private exited = false;
  private stopping: Promise<void> | null = null;
  private readonly lines: Interface[] = [];

  private constructor(private readonly child: ChildProcess, readonly pid: number) {
    let exit: EngineExit = { code: null, signal: null };
    const exitedP = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited = true;
        exit = { code, signal };
        // leftovers of the group (helpers the engine started) must not outlive it
        signalGroup(pid, 'SIGKILL');
        // a process that left the group may still hold the pipes: stop waiting for it
        setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
        }, PIPE_DRAIN_MS).unref();
        resolve();
      });
    });
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    this.done = Promise.all([exitedP, closed]).then(() => exit);
  }

  /** Spawns the engine; rejects (ENOENT, EACCES...) when it cannot be started at all. */
  static start(spec: EngineSpawn): Promise<EngineProcess> {
    const [program, ...args] = spec.argv;
    // a relative program path (test/fixtures/fake-oq) is taken from the server's folder, as `check` takes it, not from spec.cwd
    const cmd = program.includes('/') && !isAbsolute(program) ? resolve(program) : program;
    const child = spawn(cmd, args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    return new Promise((resolve, reject) => {
      child.once('error', (err) => {
        if (child.pid === undefined) {
          reject(err);
        }
      });
      child.once('spawn', () => {
        const engine = new EngineProcess(child, child.pid as number);
        engine.readLines(spec.onLine);
        resolve(engine);
      });
    });
  }

  private readLines(onLine: EngineSpawn['onLine']): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const input = this.child[stream];
      if (input) {
        const rl = createInterface({ input, crlfDelay: Infinity });
        rl.on('line', (line) => onLine(stream, line));
        this.lines.push(rl);
      }
    }
  }

  /** Stops reading output for a while (the log writer is behind). */
  pause(): void {
    this.lines.forEach((rl) => rl.pause());
  }

  /** Reads output again. */
  resume(): void {
    this.lines.forEach((rl) => rl.resume());
  }

  /** Whether the process has exited. */
  get hasExited(): boolean {
    return this.exited;
  }

  /** Stops the whole process group: SIGINT, SIGTERM after a grace period, then SIGKILL. */
  stop(): Promise<void> {
    if (this.stopping === null) {
      this.stopping = this.escalate();
    }
    return this.stopping;
  }

  private async escalate(): Promise<void> {
    const steps: [NodeJS.Signals, number][] = [['SIGINT', INT_GRACE_MS], ['SIGTERM', TERM_GRACE_MS], ['SIGKILL', 0]];
    for (const [sig, grace] of steps) {
      if (this.exited) {
        break;
      }
      signalGroup(this.pid, sig);
      if (grace > 0) {
        await Promise.race([this.done, new Promise((r) => setTimeout(r, grace))]);
      }
    }
    await this.done;
  }
}
