import type { EngineBridge } from './bridge/requests.js';
import type { CalcModels } from './db/models/calcs.js';
import type { AccountModels } from './db/models/index.js';
import type { ChildKindName, LogFile, NotifyPayload, NotifyWhat } from './ipc/protocol.js';
import type { Logger } from './logging/levels.js';
import type { Settings } from './settings/schema.js';

/**
 * The one thing every router factory (and the code its routes call) is given: what the hosting
 * process provides, the database's models and the engine bridge (docs/architecture.md).
 */
export interface RouteContext {
  settings: Settings;
  log: Logger;
  /**
   * Appends whole lines to a file owned by the master; resolves once a webui-access.log line has
   * left this process (await it before answering: Fail2Ban's evidence must survive a kill).
   */
  writeLine: (file: LogFile, text: string) => Promise<void>;
  /** Tells the other processes something (e.g. the job runner: a job was created). */
  notify: (to: ChildKindName, what: NotifyWhat, payload?: NotifyPayload) => void;
  /** The account and calculation models of the serving database (and its `sequelize`). */
  models: AccountModels & CalcModels;
  /** The engine's Python, through the bridge child (src/bridge/). */
  bridge: EngineBridge;
}

/**
 * What the hosting process (a worker, or a test) gives createApp; the app adds the database and
 * the bridge. `waitForDatabase`: the server already serves, so a database that cannot be used at
 * boot is an outage (boot, answer 503 until it comes back), not a failure to start.
 */
export type AppHost = Pick<RouteContext, 'settings' | 'log' | 'writeLine' | 'notify'> & { waitForDatabase?: boolean };
