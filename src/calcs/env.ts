/** What the calculation routes and the code they call share. */
import type { AppDeps } from '../app-context.js';
import type { CalcModels } from '../db/models/calcs.js';
import type { Settings } from '../settings/schema.js';
import type { ListCache } from './list-cache.js';

/** Settings, the calculation models (and their database), the runner's doorbell, the list cache. */
export interface CalcEnv {
  settings: Settings;
  models: CalcModels;
  notify: AppDeps['notify'];
  /** Recent list answers of this worker; bump() it after changing the job table. */
  listCache: ListCache;
}
