/**
 * What the engine routes allow beyond seeing the calculation (the original 3.26's rules,
 * openquake/server/views.py). The original's "level 2" (advanced) user is helpers.ts's isAdvanced.
 */
import type { Actor } from '../auth/actor.js';
import { isAdvanced } from './helpers.js';

/** What any user who sees a calculation may extract from it (the original's EXTRACTABLE_RESOURCES). */
export const EXTRACTABLE_RESOURCES: readonly string[] = [
  'agg_curves', 'agg_damages', 'agg_losses', 'agg_risk', 'aggrisk_tags', 'asset_risk', 'asset_tags',
  'composite_risk_model', 'damages-rlzs', 'damages-stats', 'disagg_layer', 'events', 'exposure_metadata',
  'exposure_by_location', 'exposure_by_lse?secondary_peril=liquefaction', 'exposure_by_lse?secondary_peril=landslide',
  'gmf_data', 'hcurves', 'hmaps', 'losses_by_asset', 'losses_by_location', 'losses_by_site', 'mmi_tags',
  'oqparam', 'realizations', 'risk_by_event', 'rupture_info', 'sitecol', 'uhs',
];

function listed(resource: string): boolean {
  return EXTRACTABLE_RESOURCES.some((a) => resource === a || resource.startsWith(`${a}/`) || resource.startsWith(`${a}.`));
}

/** The original's can_extract, tried on `what` and on `what` + its query string (as the original does). */
export function mayExtract(actor: Actor, what: string, query: string): boolean {
  return isAdvanced(actor, null) || listed(what) || listed(what + query);
}

/** May download a job's inputs zipped from its datastore (the original: level 2 only). */
export function mayDownloadJobZip(actor: Actor): boolean {
  return isAdvanced(actor, null);
}
