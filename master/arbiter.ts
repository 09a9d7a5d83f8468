import { APP_LOAD_ERROR, isChildMessage, WORKER_BOOT_ERROR, type EngineInfo, type MasterMessage, type StopMode } from '../src/ipc/protocol.js';
import type { MasterLogs } from '../src/logging/master-logger.js';
import type { Settings } from '../src/settings/schema.js';
import { Backoffs } from './backoff.js';
import type { Child } from './child.js';
import { HaltServer } from './errors.js';
import { Generations, readReload } from './generations.js';
import { type ChildKind } from './kinds.js';
import type { ArbiterHooks, ArbiterOptions } from './hooks.js';
import { onChildMessage, type MessageHost } from './messages.js';
import { SignalQueue, type HandledSignal } from './signal-queue.js';
import { forkChild } from './spawn.js';
import { LOOP_MS, Watchdog } from './watchdog.js';

const QUICK_STOP_MS = 2000;

export type { ArbiterHooks, ArbiterOptions };

/** The gunicorn-style master: spawn, watch, reap and replace children; one loop handles signals. */
export class Arbiter implements MessageHost {
  settings: Settings;
  /** What the engine bridge last said of the engine, handed to every child. */
  engine: EngineInfo | null = null;
  workers: number;
  readonly children = new Map<number, Child>();
  readonly startedAt = Date.now();
  readonly hooks: ArbiterHooks;
  private readonly generations = new Generations();
  private readonly watchdog: Watchdog;
  private readonly signals = new SignalQueue(() => this.wakeup());
  private stopping: { quick: boolean; status: number } | null = null;
  private readonly backoff = new Backoffs();
  private timer: NodeJS.Timeout | null = null;
  private wakeScheduled = false;
  private wasReady = false;
  private finish: ((status: number) => void) | null = null;

  constructor(private readonly opts: ArbiterOptions) {
    this.settings = opts.settings;
    this.workers = opts.settings.WORKERS;
    this.hooks = opts.hooks ?? {};
    this.watchdog = new Watchdog(() => this.log);
  }

  get logs(): MasterLogs {
    return this.opts.logs;
  }

  private get log() {
    return this.opts.logs.logger;
  }

  /** The generation new children belong to (for `oq-webui status`). */
  get generation(): number {
    return this.generations.current;
  }

  /** Runs until the master stops; resolves with the exit status. */
  run(): Promise<number> {
    this.signals.install();
    this.timer = setInterval(() => this.tick(), LOOP_MS);
    this.wakeup();
    return new Promise((resolve) => {
      this.finish = resolve;
    });
  }

  wakeup(): void {
    if (!this.wakeScheduled) {
      this.wakeScheduled = true;
      setImmediate(() => {
        this.wakeScheduled = false;
        this.tick();
      });
    }
  }

  /** One pass of the loop: the master's own stall, signals, then timeouts, then the number of children. */
  private tick(): void {
    try {
      this.watchdog.pass(this.children.values());
      for (const sig of this.signals.drain()) {
        this.log.info(`Handling signal: ${sig.slice(3).toLowerCase()}`);
        this.handleSignal(sig);
      }
      this.watchdog.check(this.children.values(), this.settings.TIMEOUT * 1000, (c) => this.kindOf(c).label);
      this.retireReplaced();
      this.manageChildren();
      this.checkReady();
      this.checkStopped();
      if (!this.stopping && this.finish) {
        this.watchdog.schedule(this.children.values(), this.settings.TIMEOUT * 1000, () => this.tick());
      }
      this.hooks.passed?.();
    } catch (e) {
      if (e instanceof HaltServer) {
        this.halt(e.reason, e.exitStatus);
      } else {
        this.log.error(`Unhandled error in the master loop: ${(e as Error).stack ?? String(e)}`);
      }
    }
  }

  private handleSignal(sig: HandledSignal): void {
    switch (sig) {
      case 'SIGHUP':
        this.handleHup();
        break;
      case 'SIGTERM':
        this.stop(false, 0);
        break;
      case 'SIGINT':
      case 'SIGQUIT':
        this.stop(true, 0);
        break;
      case 'SIGTTIN':
        this.workers += 1;
        this.log.info(`Number of workers raised to ${this.workers}`);
        break;
      case 'SIGTTOU':
        if (this.workers > 1) {
          this.workers -= 1;
        }
        this.log.info(`Number of workers lowered to ${this.workers}`);
        break;
      case 'SIGUSR1':
        this.opts.logs.reopen();
        this.broadcast({ t: 'reopen-logs' });
        break;
    }
  }

  private kindOf(child: Child): ChildKind {
    return this.opts.kinds.find((k) => k.name === child.kind) as ChildKind;
  }

  /** HUP: re-read settings, start a new generation, retire the old one once the new is ready. */
  private handleHup(): void {
    if (this.stopping) {
      return;
    }
    const settings = readReload(this.settings, this.opts.reloadSettings(), this.log, this.hooks);
    if (!settings) {
      return;
    }
    const generation = this.generations.begin(this.settings);
    // The kept kinds (the job runner: restarting it would kill running calculations) join the new generation.
    for (const c of this.children.values()) {
      if (this.kindOf(c).keptOnReload && c.state !== 'stopping') {
        c.generation = generation;
      }
    }
    this.apply(settings);
    this.log.info(`Reloading: starting ${this.workers} new worker(s) (generation ${generation})`);
    this.hooks.reloading?.();
  }

  /**
   * Makes `settings` the master's and every running child's: the kept runner and the old workers
   * still draining take the new heartbeat period and log level (a lowered TIMEOUT must not get
   * them killed: their clocks restart so that each first hears of its new period).
   */
  private apply(settings: Settings): void {
    const timeoutChanged = settings.TIMEOUT !== this.settings.TIMEOUT;
    this.settings = settings;
    this.workers = settings.WORKERS;
    this.opts.logs.logger.level = settings.LOG_LEVEL;
    if (timeoutChanged) {
      this.watchdog.restartClocks(this.children.values());
    }
    this.broadcast({ t: 'reconfigure', settings });
  }

  private wanted(kind: ChildKind): number {
    return kind.wanted(this.settings, this.workers);
  }

  /** Keeps the number of each kind of child: spawn what is missing, retire what is too much. */
  private manageChildren(): void {
    if (this.stopping) {
      return;
    }
    for (const kind of this.opts.kinds) {
      const current = this.generations.currentOf(kind, this.children.values());
      const wanted = this.wanted(kind);
      const backoff = this.backoff.of(kind.name);
      for (let n = current.length; n < wanted && backoff.ready(); n += 1) {
        this.spawn(kind);
      }
      if (current.length > wanted) {
        const extra = current.sort((a, b) => a.startedAt - b.startedAt).slice(0, current.length - wanted);
        for (const c of extra) {
          this.stopChild(c, 'scale down');
        }
      }
    }
  }

  /** Replaced children (old generation, recycling) stop once their replacements are all ready. */
  private retireReplaced(): void {
    for (const kind of this.opts.kinds) {
      for (const c of this.generations.replaced(kind, this.children.values(), this.wanted(kind))) {
        this.stopChild(c, c.recycling ? 'recycled' : 'reload');
      }
    }
    if (this.generations.settle(this.children.values())) {
      this.log.info(`Reload complete: generation ${this.generation} serving`);
      this.hooks.reloaded?.(true);
    }
  }

  /** Calls the `ready` hook once, when every wanted child of the first generation is ready. */
  private checkReady(): void {
    if (this.wasReady || this.stopping) {
      return;
    }
    if (this.generations.allReady(this.opts.kinds, this.children.values(), (k) => this.wanted(k))) {
      this.wasReady = true;
      this.hooks.ready?.();
    }
  }

  private spawn(kind: ChildKind): Child {
    const child = forkChild(kind, { settings: this.settings, generation: this.generation, listeners: this.opts.listeners, engine: this.engine, serving: this.wasReady });
    this.children.set(child.pid, child);
    child.proc.on('message', (m: unknown) => {
      if (isChildMessage(m)) {
        onChildMessage(this, child, m);
      }
    });
    child.proc.on('exit', (code, signal) => this.onExit(kind, child, code, signal));
    child.proc.on('error', (e) => this.log.error(`${kind.label} (pid:${child.pid}): ${e.message}`));
    this.log.info(`Booting ${kind.label.toLowerCase()} with pid: ${child.pid}`);
    return child;
  }

  broadcast(msg: MasterMessage): void {
    for (const c of this.children.values()) {
      c.send(msg);
    }
  }

  /** Starts a replacement; the child is stopped gracefully once the replacement is ready. */
  recycle(child: Child, reason: string): void {
    if (child.recycling || child.state === 'stopping') {
      return;
    }
    child.recycling = true;
    this.log.info(`Recycling ${this.kindOf(child).label.toLowerCase()} (pid:${child.pid}): ${reason}`);
    this.wakeup();
  }

  /** Asks a child to stop gracefully; it is killed if still there after the graceful timeout. */
  private stopChild(child: Child, reason: string, quick = false): void {
    // the server goes on (reload, recycling, fewer workers): drain without cutting keep-alive connections
    const mode: StopMode = quick ? 'quick' : this.stopping === null ? 'drain' : 'graceful';
    child.askToStop(mode, reason, quick ? QUICK_STOP_MS : this.settings.GRACEFUL_TIMEOUT * 1000);
  }

  /** Reaps one child: logs why it died, halts on a boot failure, backs off on a crash loop. */
  private onExit(kind: ChildKind, child: Child, code: number | null, signal: NodeJS.Signals | null): void {
    this.children.delete(child.pid);
    const expected = child.state === 'stopping' || this.stopping !== null;
    const end = child.exitLine(kind.label, code, signal, expected);
    this.log.log(end.error ? 'error' : 'info', end.line);
    if (!expected && child.state === 'booting' && (code === WORKER_BOOT_ERROR || code === APP_LOAD_ERROR)) {
      this.bootFailed(child, code);
    } else if (!expected && (code !== 0 || signal)) {
      const delay = this.backoff.of(kind.name).crashed(Date.now() - child.startedAt);
      if (delay > 0) {
        this.log.warning(`${kind.label}s are crashing repeatedly; next start in ${(delay / 1000).toFixed(1)} s`);
        setTimeout(() => this.wakeup(), delay + 10).unref();
      }
    }
    this.wakeup();
  }

  /** A child that failed while booting stops the server, except during a reload: then the old generation stays. */
  private bootFailed(child: Child, code: number): void {
    const reason = code === APP_LOAD_ERROR ? 'App failed to load.' : 'Worker failed to boot.';
    const back = this.generations.rollBack(child);
    if (back === null) {
      this.halt(reason, code);
      return;
    }
    this.log.error(`Reload failed: a new worker exited while booting (${reason}); the old workers keep serving.`);
    for (const c of this.children.values()) {
      if (c.generation === back.failed) {
        if (this.kindOf(c).keptOnReload) {
          // the kept children go back with the old generation
          c.generation = this.generation;
        } else {
          this.stopChild(c, 'failed reload', true);
        }
      }
    }
    this.apply(back.settings);
    this.hooks.reloaded?.(false);
  }

  /** Stops for good with a reason and an exit status (boot failures). */
  private halt(reason: string, status: number): void {
    this.log.info('Shutting down: Master');
    this.log.info(`Reason: ${reason}`);
    this.stop(true, status);
  }

  /** TERM: graceful stop; INT/QUIT: quick stop. */
  private stop(quick: boolean, status: number): void {
    if (this.stopping && !quick) {
      return;
    }
    const first = !this.stopping;
    if (first) {
      this.opts.stopAccepting();
    }
    this.stopping = { quick, status: this.stopping?.status || status };
    for (const c of this.children.values()) {
      this.stopChild(c, 'shutdown', quick);
    }
    if (first) {
      this.hooks.stopping?.();
    }
    this.checkStopped();
  }

  private checkStopped(): void {
    if (!this.stopping || this.children.size > 0 || !this.finish) {
      return;
    }
    const finish = this.finish;
    this.finish = null;
    if (this.timer) {
      clearInterval(this.timer);
    }
    this.watchdog.unschedule();
    this.signals.uninstall();
    const status = this.stopping.status;
    if (status === 0) {
      this.log.info('Shutting down: Master');
    }
    void this.opts.onExit().then(() => finish(status));
  }
}
