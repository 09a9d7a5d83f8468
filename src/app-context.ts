import type { ChildKindName, LogFile, NotifyPayload, NotifyWhat } from './ipc/protocol.js';
import type { Logger } from './logging/levels.js';
import type { Settings } from './settings/schema.js';

/** What the application needs from the process that hosts it (a worker, or a test). */
export interface AppDeps {
  settings: Settings;
  log: Logger;
  /** Appends whole lines to a file owned by the master. */
  writeLine: (file: LogFile, text: string) => void;
  /** Tells the other processes something (e.g. the job runner: a job was created). */
  notify: (to: ChildKindName, what: NotifyWhat, payload?: NotifyPayload) => void;
}
