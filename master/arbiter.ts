import { fork } from 'node:child_process';
import { APP_LOAD_ERROR, isChildMessage, WORKER_BOOT_ERROR, STOP_RANK, type ChildMessage, type MasterMessage, type StopMode } from '../src/ipc/protocol.js';
import type { MasterLogs } from '../src/logging/master-logger.js';
import type { Settings } from '../src/settings/schema.js';
import { CrashBackoff } from './backoff.js';
import { Child } from './child.js';
import { HaltServer } from './errors.js';
import { Generations, keepUntilRestart } from './generations.js';
import { type ChildKind } from './kinds.js';
import type { Listener } from './listeners.js';
import { LOOP_MS, Watchdog } from './watchdog.js';

const QUICK_STOP_MS = 2000;
const HANDLED_SIGNALS = ['SIGHUP', 'SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGTTIN', 'SIGTTOU', 'SIGUSR1'] as const;
type HandledSignal = (typeof HANDLED_SIGNALS)[number];

/**
 * Where the outside may hook into the master's life (systemd notify, for one). Each is called
 * from the loop, after the master's own work for that moment is done.
 */
export interface ArbiterHooks {
  /** The first generation is all ready (called once). */
  ready?: () => void;
  /** A HUP was accepted: new settings, a new generation is starting. */
  reloading?: () => void;
  /** The reload is over: `ok` false when the new generation failed and the old one goes on. */
  reloaded?: (ok: boolean) => void;
  /** The master is stopping (TERM, INT, QUIT, or a halt). */
  stopping?: () => void;
  /** A HUP was refused (invalid settings): the old generation goes on. */
  refused?: (reason: string) => void;
  /** A pass of the loop ended without an error (feeds the systemd watchdog). */
  passed?: () => void;
}

/** What the master needs from the outside: settings (re-read on HUP), sockets, logs. */
export interface ArbiterOptions {
  settings: Settings;
  reloadSettings: () => { settings: Settings | null; problems: string[] };
  listeners: Listener[];
  logs: MasterLogs;
  kinds: ChildKind[];
  /** Called once when the master starts to stop: close the listening sockets (stop accepting). */
  stopAccepting: () => void;
  /** Called when the master is about to exit (pidfile, control socket). */
  onExit: () => Promise<void>;
  hooks?: ArbiterHooks;
}

/** The gunicorn-style master: spawn, watch, reap and replace children; one loop handles signals. */
export class Arbiter {
  settings: Settings;
  workers: number;
  readonly children = new Map<number, Child>();
  readonly startedAt = Date.now();
  readonly hooks: ArbiterHooks;
  private readonly generations = new Generations();
  private readonly watchdog: Watchdog;
  private readonly queue: HandledSignal[] = [];
  private stopping: { quick: boolean; status: number } | null = null;
  private readonly backoff = new Map<string, CrashBackoff>();
  private timer: NodeJS.Timeout | null = null;
  private watchTimer: NodeJS.Timeout | null = null;
  private wakeScheduled = false;
  private wasReady = false;
  private finish: ((status: number) => void) | null = null;

  constructor(private readonly opts: ArbiterOptions) {
    this.settings = opts.settings;
    this.workers = opts.settings.WORKERS;
    this.hooks = opts.hooks ?? {};
    this.watchdog = new Watchdog(() => this.log);
    for (const k of opts.kinds) {
      this.backoff.set(k.name, new CrashBackoff());
    }
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
    for (const sig of HANDLED_SIGNALS) {
      process.on(sig, () => this.queueSignal(sig));
    }
    this.timer = setInterval(() => this.tick(), LOOP_MS);
    this.wakeup();
    return new Promise((resolve) => {
      this.finish = resolve;
    });
  }

  /** Signal handlers only queue; the loop does the work. */
  private queueSignal(sig: HandledSignal): void {
    if (this.queue.length < 5) {
      this.queue.push(sig);
    }
    this.wakeup();
  }

  private wakeup(): void {
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
      while (this.queue.length > 0) {
        const sig = this.queue.shift() as HandledSignal;
        this.log.info(`Handling signal: ${sig.slice(3).toLowerCase()}`);
        this.handleSignal(sig);
      }
      this.watchdog.check(this.children.values(), this.settings.TIMEOUT * 1000, (c) => this.kindOf(c).label);
      this.retireReplaced();
      this.manageChildren();
      this.checkReady();
      this.checkStopped();
      this.scheduleWatchdog();
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
    const { settings: read, problems } = this.opts.reloadSettings();
    if (!read) {
      for (const p of problems) {
        this.log.error(`Reload refused: ${p}`);
      }
      this.log.error('Reload refused: the settings are invalid; the running workers keep serving with the old settings.');
      this.hooks.refused?.('the settings are invalid (see the log); the running workers keep the old ones');
      return;
    }
    const settings = keepUntilRestart(this.settings, read, (line) => this.log.warning(line));
    const generation = this.generations.begin(this.settings);
    // The job runner is not restarted (that would kill running calculations): it joins the new generation.
    for (const c of this.children.values()) {
      if (!this.kindOf(c).http && c.state !== 'stopping') {
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
      const backoff = this.backoff.get(kind.name) as CrashBackoff;
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
    const all = [...this.children.values()];
    const ready = this.opts.kinds.every((kind) => {
      const current = this.generations.currentOf(kind, all);
      return current.length >= this.wanted(kind) && current.every((c) => c.state === 'ready');
    });
    if (ready) {
      this.wasReady = true;
      this.hooks.ready?.();
    }
  }

  private spawn(kind: ChildKind): Child {
    const jitter = this.settings.MAX_REQUESTS_JITTER > 0 ? Math.floor(Math.random() * (this.settings.MAX_REQUESTS_JITTER + 1)) : 0;
    const maxRequests = kind.http && this.settings.MAX_REQUESTS > 0 ? this.settings.MAX_REQUESTS + jitter : 0;
    const proc = fork(kind.entry, kind.args ?? [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: kind.execArgv ?? [],
      env: { ...process.env, OQ_WEBUI_CHILD: kind.name },
    });
    const child = new Child(kind.name, proc, this.generation);
    child.maxRequests = maxRequests;
    this.children.set(child.pid, child);
    proc.on('message', (m: unknown) => {
      if (isChildMessage(m)) {
        this.onMessage(child, m);
      }
    });
    proc.on('exit', (code, signal) => this.onExit(kind, child, code, signal));
    proc.on('error', (e) => this.log.error(`${kind.label} (pid:${child.pid}): ${e.message}`));
    child.send({ t: 'boot', settings: this.settings, maxRequests, listeners: kind.http ? this.opts.listeners.length : 0 });
    if (kind.http) {
      this.opts.listeners.forEach((l, index) => child.send({ t: 'listen', index }, l.handle));
    }
    this.log.info(`Booting ${kind.label.toLowerCase()} with pid: ${child.pid}`);
    return child;
  }

  private broadcast(msg: MasterMessage): void {
    for (const c of this.children.values()) {
      c.send(msg);
    }
  }

  private onMessage(child: Child, m: ChildMessage): void {
    switch (m.t) {
      case 'hb':
        child.lastBeat = Date.now();
        child.requests = m.requests;
        child.rss = m.rss;
        child.beatPeriod = m.period;
        this.checkMemory(child);
        break;
      case 'ready':
        child.state = child.state === 'stopping' ? 'stopping' : 'ready';
        this.wakeup();
        break;
      case 'recycle':
        this.recycle(child, m.reason);
        break;
      case 'log':
        this.opts.logs.forward(m);
        break;
      case 'lines':
        this.opts.logs.appendLines(m.file, m.text);
        break;
      case 'notify':
        for (const c of this.children.values()) {
          if (c.kind === m.to && c !== child) {
            c.send({ t: 'notify', what: m.what, payload: m.payload });
          }
        }
        break;
    }
  }

  /**
   * max_memory: a worker over the limit is recycled, but only once it has served a request:
   * a limit below what a fresh worker needs would otherwise replace workers in a loop.
   */
  private checkMemory(child: Child): void {
    const limit = this.settings.MAX_MEMORY * 1024 * 1024;
    if (limit > 0 && child.kind === 'web' && child.rss > limit && child.requests > 0 && !child.recycling && child.state === 'ready') {
      this.recycle(child, `memory ${Math.round(child.rss / 1048576)} MiB over max-memory ${this.settings.MAX_MEMORY} MiB`);
    }
  }

  /** Starts a replacement; the child is stopped gracefully once the replacement is ready. */
  private recycle(child: Child, reason: string): void {
    if (child.recycling || child.state === 'stopping') {
      return;
    }
    child.recycling = true;
    this.log.info(`Recycling worker (pid:${child.pid}): ${reason}`);
    this.wakeup();
  }

  /** Asks a child to stop gracefully; it is killed if still there after the graceful timeout. */
  private stopChild(child: Child, reason: string, quick = false): void {
    // the server goes on (reload, recycling, fewer workers): drain without cutting keep-alive connections
    const mode: StopMode = quick ? 'quick' : this.stopping === null ? 'drain' : 'graceful';
    if (child.stopMode !== null && STOP_RANK[child.stopMode] >= STOP_RANK[mode]) {
      return;
    }
    child.state = 'stopping';
    child.stopMode = mode;
    child.stopReason = child.stopReason ?? reason;
    const grace = quick ? QUICK_STOP_MS : this.settings.GRACEFUL_TIMEOUT * 1000;
    child.stopDeadline = Math.min(child.stopDeadline ?? Infinity, Date.now() + grace);
    child.send({ t: 'stop', mode });
    if (mode !== 'drain' || !child.proc.connected) {
      child.signal(quick ? 'SIGQUIT' : 'SIGTERM');
    }
  }

  /** Wakes the loop right when the next heartbeat deadline falls between two passes, so a timeout is caught on time. */
  private scheduleWatchdog(): void {
    if (this.stopping || !this.finish) {
      return;
    }
    const delay = this.watchdog.untilNextDeadline(this.children.values(), this.settings.TIMEOUT * 1000);
    if (delay < LOOP_MS) {
      if (this.watchTimer) {
        clearTimeout(this.watchTimer);
      }
      this.watchTimer = setTimeout(() => {
        this.watchTimer = null;
        this.tick();
      }, Math.max(0, delay));
    }
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
      const delay = (this.backoff.get(kind.name) as CrashBackoff).crashed(Date.now() - child.startedAt);
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
        if (this.kindOf(c).http) {
          this.stopChild(c, 'failed reload', true);
        } else {
          // the kept runner goes back with the old generation
          c.generation = this.generation;
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
    if (this.watchTimer) {
      clearTimeout(this.watchTimer);
    }
    for (const sig of HANDLED_SIGNALS) {
      process.removeAllListeners(sig);
    }
    const status = this.stopping.status;
    if (status === 0) {
      this.log.info('Shutting down: Master');
    }
    void this.opts.onExit().then(() => finish(status));
  }

  /** One row per child for `oq-webui status`. */
  statusRows(): object[] {
    const now = Date.now();
    return [...this.children.values()].map((c) => c.statusRow(now));
  }
}
