import type { Logger } from '../src/logging/levels.js';
import { createChildLogger } from '../src/logging/child-logger.js';
import type { Settings } from '../src/settings/schema.js';
import { Heartbeat, heartbeatPeriod } from './heartbeat.js';

/** What every kind of child shares: its settings, its logger and its heartbeat, and how they change on HUP. */
export abstract class ChildBase {
  settings: Settings | null = null;
  log: Logger | null = null;
  protected readonly heartbeat: Heartbeat;

  constructor() {
    this.heartbeat = new Heartbeat(() => this.load());
    // beat before the boot message arrives: the master counts from the fork
    this.heartbeat.start(500);
  }

  /** What the heartbeat reports as `requests`: requests served, or calculations running. */
  protected abstract load(): number;

  /**
   * Takes new settings (at boot, and on HUP for a child that is kept): the heartbeat period
   * follows TIMEOUT and the logger LOG_LEVEL. Subclasses add what else they apply.
   */
  reconfigure(settings: Settings): void {
    this.settings = settings;
    if (this.log) {
      this.log.level = settings.LOG_LEVEL;
    } else {
      this.log = createChildLogger(settings.LOG_LEVEL);
    }
    // beats at once: the master restarted its clock when TIMEOUT changed
    this.heartbeat.start(heartbeatPeriod(settings.TIMEOUT));
  }

  /** Writes an error to the log (or stderr before there is one). */
  report(text: string): void {
    if (this.log) {
      this.log.error(text);
    } else {
      process.stderr.write(`${text}\n`);
    }
  }
}
