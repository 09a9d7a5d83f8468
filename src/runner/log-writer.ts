/**
 * Writes a calculation's log lines to the `log` table as they arrive, in batches: one INSERT
 * per ~100 ms or per 500 lines, so a chatty engine costs a few statements a second.
 */
import type { CalcModels } from '../db/models/calcs.js';
import { insertLogLines } from '../data/runner-jobs.js';
import type { EngineLogLine } from './engine-log.js';

const FLUSH_MS = 100;
const BATCH = 500;
/** Lines waiting beyond this make the writer "full": the reader should pause. */
const HIGH_WATER = 5000;
/** Longest message kept (a runaway line without newlines must not fill the database). */
export const MAX_MESSAGE_CHARS = 65_536;

/** Batches log rows of one job. */
export class LogWriter {
  private pending: EngineLogLine[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly models: CalcModels, private readonly jobId: number, private readonly onError: (err: unknown) => void) {}

  /** Queues one line; returns false when the queue is long (pause the source until `drained()`). */
  add(line: EngineLogLine): boolean {
    const message = line.message.length > MAX_MESSAGE_CHARS ? `${line.message.slice(0, MAX_MESSAGE_CHARS)} [...]` : line.message;
    this.pending.push({ ...line, message });
    if (this.pending.length >= BATCH) {
      void this.flush();
    } else if (this.timer === null) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
    }
    return this.pending.length < HIGH_WATER;
  }

  /** Queues a line written by the server itself (runner notes, tracebacks). */
  note(level: string, message: string): void {
    this.add({ timestamp: new Date(), level, process: 'oq-webui', message });
  }

  /** Resolves once the queue is short again. */
  drained(): Promise<void> {
    if (this.pending.length < HIGH_WATER / 2) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Writes everything queued so far; resolves when it is in the database. */
  flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.flushing = this.flushing.then(() => this.writeAll());
    return this.flushing;
  }

  private async writeAll(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, BATCH);
      try {
        await insertLogLines(this.models, this.jobId, batch);
      } catch (err) {
        this.onError(err);
      }
      if (this.pending.length < HIGH_WATER / 2) {
        this.drainWaiters.splice(0).forEach((w) => w());
      }
    }
  }
}
