/**
 * The job runner: takes `created` jobs in id order (claimed in one statement, so of the runners
 * of every host sharing the database only one takes each job), runs at most MAX_CONCURRENT_JOBS
 * engines at once on this host, and moves each job submitted → executing → complete | failed |
 * aborted. It keeps a lease (src/runner/leases.ts) and polls the abort flags of its jobs, which
 * a worker of any host sets.
 */
import { existsSync } from 'node:fs';
import type { Logger } from '../logging/levels.js';
import type { CalcModels } from '../db/models/calcs.js';
import { abortsRequested, claimNextJob, giveBackJob } from '../data/runner-jobs.js';
import { watchDatabaseFile } from '../db/availability.js';
import { classifyDatabaseError, type DatabaseUnavailable } from '../db/errors.js';
import type { Settings } from '../settings/schema.js';
import { upgradeEngineDb } from './engine-db.js';
import { engineDbFile } from './engine-env.js';
import { JobRun } from './job-run.js';
import { LeaseKeeper } from './leases.js';
import { partsOf, recoverJobs, runnerIdentity } from './recovery.js';
import { removeStaleUploads } from './stale-uploads.js';

/** How often the database is polled for new jobs and abort requests (notifications come sooner). */
export const POLL_MS = 250;

/** A job this runner has claimed, and the end of its run. */
interface Running {
  run: JobRun;
  done: Promise<void>;
}

/** The runner's loop; one per runner process. */
export class JobRunner {
  private readonly leases: LeaseKeeper;
  private readonly running = new Map<number, Running>();
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private again = false;
  private stopped = false;
  /** Whether `oq engine --upgrade-db` has ended (well or not): no calculation creates the database meanwhile. */
  private engineDbReady = false;
  /** What is wrong with the database file opened (null: nothing, or not SQLite). */
  private databaseProblem: (() => DatabaseUnavailable | null) | null = null;
  /** Why queued jobs wait now (logged once per outage), or null. */
  private waitingFor: string | null = null;
  /** Whether the last look for work failed because the database could not be used (said once). */
  private databaseDown = false;

  /** `identity` is `<host>:<pid>` (job.runner, the lease's key); another one only in tests standing for another host. */
  constructor(private readonly models: CalcModels, private settings: Settings, private readonly log: Logger, readonly identity = runnerIdentity()) {
    this.leases = new LeaseKeeper(models, identity, () => this.settings.RUNNER_LEASE * 1000, log, () => this.loseJobs());
  }

  /**
   * Takes its lease, recovers what a previous runner of this host left and what runners that
   * stopped answering left, then starts polling; jobs are claimed once the engine's database is made.
   */
  async start(): Promise<void> {
    this.databaseProblem = watchDatabaseFile(this.settings.DATABASE);
    await this.leases.start();
    await recoverJobs(this.models, this.identity, this.log);
    await this.leases.sweep();
    await removeStaleUploads(this.settings.DATA_DIR);
    this.timer = setInterval(() => this.wake(), POLL_MS);
    void upgradeEngineDb(this.settings, this.log).finally(() => {
      this.engineDbReady = true;
      this.wake();
    });
  }

  /** New settings (HUP): they apply to the jobs started from now on. */
  updateSettings(settings: Settings): void {
    this.settings = settings;
    this.wake();
  }

  /** Looks for work now (a job was created, an abort was requested). */
  wake(): void {
    if (this.stopped) {
      return;
    }
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    void this.tick().finally(() => {
      this.ticking = false;
    });
  }

  /** Ids of the jobs running now. */
  get runningIds(): number[] {
    return [...this.running.keys()];
  }

  private async tick(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.checkAborts();
        await this.claimJobs();
        if (this.databaseDown) {
          this.databaseDown = false;
          this.log.info('Job runner: the database answers again: taking queued jobs');
        }
      } catch (err) {
        this.failed(err);
      }
    } while (this.again && !this.stopped);
  }

  /** Logs a failed look for work: a database that cannot be used once in a sentence (the runner tries again each tick), anything else whole. */
  private failed(err: unknown): void {
    const down = classifyDatabaseError(err, this.settings.DATABASE);
    if (down === null) {
      this.log.error(`Job runner: ${(err as Error).stack ?? String(err)}`);
    } else if (!this.databaseDown) {
      this.databaseDown = true;
      this.log.warning(`Job runner: queued jobs stay queued while ${down.message}`);
    }
  }

  /** Stops the engines whose abort was requested in the database. */
  private async checkAborts(): Promise<void> {
    const ids = [...this.running.values()].filter((r) => !r.run.stopping).map((r) => r.run.id);
    if (ids.length === 0) {
      return;
    }
    for (const id of await abortsRequested(this.models, ids)) {
      this.running.get(id)?.run.stop('abort');
    }
  }

  /**
   * Why no job may start now: the database file is not where it was opened, or the data folder
   * is gone (moved, deleted, unmounted). A job started then would write where nothing should be.
   */
  private unavailable(): string | null {
    const db = this.databaseProblem?.() ?? null;
    if (db !== null) {
      return db.message;
    }
    return existsSync(this.settings.DATA_DIR) ? null : `the data folder ${this.settings.DATA_DIR} is gone (moved, deleted or not mounted)`;
  }

  /** Whether jobs may start; says once when they must wait, and once when they may again. */
  private mayStartJobs(): boolean {
    const why = this.unavailable();
    if (why !== null && this.waitingFor === null) {
      this.log.warning(`Job runner: queued jobs stay queued until this is fixed: ${why}`);
    } else if (why === null && this.waitingFor !== null) {
      this.log.info('Job runner: the database and the data folder are back: starting queued jobs');
    }
    this.waitingFor = why;
    return why === null;
  }

  private async claimJobs(): Promise<void> {
    while (this.mayStartJobs() && this.engineDbReady && !this.stopped && this.running.size < this.settings.MAX_CONCURRENT_JOBS) {
      if (this.running.size > 0 && !existsSync(engineDbFile(this.settings.ENGINE_DATA_DIR))) {
        // the first run creates the engine's database: two first runs would both create it
        return;
      }
      const id = await claimNextJob(this.models, this.identity, partsOf(this.identity).host);
      if (id === null) {
        return;
      }
      if (this.stopped) {
        // stopping while claiming: give the job back to the queue for the next runner
        await giveBackJob(this.models, id, this.identity);
        return;
      }
      const run = new JobRun(id, this.models, this.settings, this.log);
      const done = run.run()
        .catch((err) => {
          this.log.error(`Job runner: calculation ${id}: ${(err as Error).stack ?? String(err)}`);
        })
        .finally(() => {
          this.running.delete(id);
          this.wake();
        });
      this.running.set(id, { run, done });
    }
  }

  /** Our lease was ended by another runner, which failed our jobs: their engines must not run on. */
  private loseJobs(): void {
    for (const entry of this.running.values()) {
      entry.run.stop('lease');
    }
  }

  /** Stops for good: no new jobs; running engines are stopped and their jobs fail; the lease ends. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
    const entries = [...this.running.values()];
    for (const entry of entries) {
      entry.run.stop('shutdown');
    }
    await Promise.all(entries.map((e) => e.done));
    await this.leases.stop();
  }
}
