import type { AppDeps } from '../../app-context.js';
import type { AccountModels } from '../../db/models/index.js';

/** What the accounts and admin routes need: the app's deps and the account models. */
export interface AccountsEnv {
  deps: AppDeps;
  models: AccountModels;
}
