/**
 * Runner leases: several hosts' runners share one database, and a host can die without a word
 * (power, kernel panic, network). Each runner keeps a lease row, renewed three times per
 * RUNNER_LEASE; every renewal also looks for other runners' expired leases, and the one runner
 * that ends an expired lease marks the jobs of the runner that stopped answering failed, with a
 * log line naming its host. A runner that finds its own lease ended (it stalled, or the database
 * was out of reach longer than the lease) stops its engines: their jobs were failed already.
 */
import { hostname } from 'node:os';
import type { Logger } from '../logging/levels.js';
import type { CalcModels } from '../db/models/calcs.js';
import { finishJob, insertLogLines, runningJobs } from '../data/runner-jobs.js';
import { dropLease, endExpiredLease, expiredLeases, renewLease, takeLease, type Lease } from '../data/runner-leases.js';
import { signalGroup } from './engine-process.js';
import { isLiveProcessWith } from './liveness.js';
import { partsOf } from './recovery.js';

/** The lease of one runner, renewed on a timer. */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | null = null;
  /** The renewal or sweep running now (stop waits for it). */
  private turn: Promise<void> = Promise.resolve();
  /** Whether the last renewal failed (said once per outage). */
  private failing = false;

  /**
   * `leaseMs` is read at each renewal (a HUP may change RUNNER_LEASE); `onLost` stops the
   * engines of a runner whose lease another runner ended.
   */
  constructor(
    private readonly models: CalcModels,
    readonly runner: string,
    private readonly leaseMs: () => number,
    private readonly log: Logger,
    private readonly onLost: () => void,
  ) {}

  /** Takes the lease (before any job is claimed) and starts renewing it. */
  async start(): Promise<void> {
    await takeLease(this.models.sequelize, { runner: this.runner, ...partsOf(this.runner) }, this.leaseMs());
    this.schedule();
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.turn = this.renewAndSweep().finally(() => {
        if (this.timer !== null) {
          this.schedule();
        }
      });
    }, Math.max(1000, Math.floor(this.leaseMs() / 3)));
  }

  private async renewAndSweep(): Promise<void> {
    try {
      if (!(await renewLease(this.models.sequelize, this.runner, this.leaseMs()))) {
        this.log.error(`Job runner ${this.runner}: its lease had expired (this host stalled, or the database was out of reach, for longer than RUNNER_LEASE) and another host's runner marked its calculations failed: stopping their engines`);
        this.onLost();
        await takeLease(this.models.sequelize, { runner: this.runner, ...partsOf(this.runner) }, this.leaseMs());
      }
      await this.sweep();
      if (this.failing) {
        this.log.info(`Job runner ${this.runner}: its lease is renewed again`);
        this.failing = false;
      }
    } catch (err) {
      if (!this.failing) {
        this.log.warning(`Job runner ${this.runner}: cannot renew its lease: ${(err as Error).message}`);
        this.failing = true;
      }
    }
  }

  /** Ends the other runners' expired leases and fails their running jobs; returns the ids failed. */
  async sweep(): Promise<number[]> {
    const failed: number[] = [];
    for (const lease of await expiredLeases(this.models.sequelize, this.runner)) {
      if (await endExpiredLease(this.models.sequelize, lease)) {
        failed.push(...(await failJobsOf(this.models, lease, this.log)));
      }
    }
    return failed;
  }

  /** Stops renewing and removes the lease (the runner's jobs have ended). */
  async stop(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    await this.turn;
    await dropLease(this.models.sequelize, this.runner);
  }
}

/** Fails the running jobs of a runner whose lease expired, each with a log line; the server log names its host. */
async function failJobsOf(models: CalcModels, lease: Lease, log: Logger): Promise<number[]> {
  const last = new Date(lease.renewedAt).toISOString();
  const jobs = await runningJobs(models, lease.runner);
  const ids: number[] = [];
  for (const job of jobs) {
    // the same machine (two servers on one host): an engine left behind can be stopped from here
    if (lease.host === hostname() && job.pid !== null && isLiveProcessWith(job.pid, `OQ_CALC_ID=${job.id}`)) {
      signalGroup(job.pid, 'SIGKILL');
    }
    if (await finishJob(models, job.id, 'failed')) {
      await insertLogLines(models, job.id, [{
        timestamp: new Date(),
        level: 'CRITICAL',
        process: 'oq-webui',
        message: `The job runner running this calculation (${lease.runner} on host ${lease.host}) stopped answering: its lease expired (last renewed at ${last}), so the calculation failed.`,
      }]);
      ids.push(job.id);
    }
  }
  const what = ids.length === 0 ? 'it was running no calculation' : `calculation${ids.length > 1 ? 's' : ''} ${ids.join(', ')} marked failed`;
  log.warning(`Job runner ${lease.runner} on host ${lease.host} stopped answering (lease last renewed at ${last}, now expired): ${what}`);
  return ids;
}
