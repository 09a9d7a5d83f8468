/**
 * What the original 3.26's user levels gate beyond the calculation rules (user_profile level:
 * 0 view only, 1 simplified, 2 advanced; helpers.ts's isAdvanced): tags, and the datastore
 * download unless ALLOW_DATASTORE_DOWNLOAD. Sharing, job_zip, extract and hidden outputs ask
 * isAdvanced in their own rules (calculation.ts, engine.ts, output.ts).
 */
import type { Actor } from '../auth/actor.js';
import { isAdvanced } from './helpers.js';

/** May create, delete, add, remove tags and set a tag's preferred job (the original: level 2). */
export function mayChangeTags(actor: Actor): boolean {
  return isAdvanced(actor, null);
}

/** May download a whole datastore: an advanced user, or anyone when ALLOW_DATASTORE_DOWNLOAD (the original's default). */
export function mayDownloadDatastore(actor: Actor, allowDatastoreDownload: boolean): boolean {
  return allowDatastoreDownload || isAdvanced(actor, null);
}
