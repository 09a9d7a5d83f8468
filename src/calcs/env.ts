/** What the calculation routes and the code they call share. */
import type { AppDeps } from '../app-context.js';
import type { EngineBridge } from '../bridge/requests.js';
import type { CalcModels } from '../db/models/calcs.js';
import type { Settings } from '../settings/schema.js';

/** Settings, the calculation models (and their database), the runner's doorbell. */
export interface CalcEnv {
  settings: Settings;
  models: CalcModels;
  notify: AppDeps['notify'];
  /** The engine's outputs and exports (routes/calcs/results.ts). */
  bridge: EngineBridge;
}
