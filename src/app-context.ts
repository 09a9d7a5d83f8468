import type { ChildKindName, LogFile, NotifyPayload, NotifyWhat } from './ipc/protocol.js';
import type { Logger } from './logging/levels.js';
import type { Settings } from './settings/schema.js';

/** What the application needs from the process that hosts it (a worker, or a test). */
export interface AppDeps {
  settings: Settings;
  log: Logger;
  /**
   * Appends whole lines to a file owned by the master; resolves once a webui-access.log line has
   * left this process (await it before answering: Fail2Ban's evidence must survive a kill).
   */
  writeLine: (file: LogFile, text: string) => Promise<void>;
  /** Tells the other processes something (e.g. the job runner: a job was created). */
  notify: (to: ChildKindName, what: NotifyWhat, payload?: NotifyPayload) => void;
  /**
   * Whether the server already serves: a database that cannot be used at boot is then an outage
   * (boot anyway, answer 503 until it comes back), not a failure to start (false, the default).
   */
  waitForDatabase?: boolean;
}
