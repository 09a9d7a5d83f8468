/**
 * The outputs of a finished run, named as the engine names them. The engine logs, for each output
 * it exports, `exported hcurves: ['/c/export/hazard_curve-mean-PGA_7.csv', ...]`: the datastore
 * key (hcurves) and its files, whose names end in `_<engine calc id>`. Each file (all its export
 * types: `x.csv` and `x.xml` are one output) becomes one output with the key as ds_key and a
 * readable name: the engine's own display name of the key, plus what distinguishes the file
 * (`Hazard Curves (mean-PGA)`). Files no `exported` line named keep their file name as key.
 */
import path from 'node:path';
import { listFiles, MB, type ScannedOutput } from '../calcs/outputs.js';

/** The engine's display names of its outputs (openquake/calculators/export/__init__.py DISPLAY_NAME). */
export const DISPLAY_NAMES: Record<string, string> = {
  hcurves: 'Hazard Curves',
  hmaps: 'Hazard Maps',
  'hmaps-stats': 'Hazard Maps Statistics',
  uhs: 'Uniform Hazard Spectra',
  realizations: 'Realizations',
  fullreport: 'Full Report',
  gmf_data: 'Ground Motion Fields',
  avg_gmf: 'Average Ground Motion Field',
  ruptures: 'Earthquake Ruptures',
  events: 'Events',
  site_model: 'Site Model',
  'disagg-rlzs': 'Disaggregation Outputs Per Realization',
  'disagg-stats': 'Statistical Disaggregation Outputs',
  mean_rates_by_src: 'Hazard Curves per Source',
  mean_disagg_by_src: 'Mag-Dist-Eps Disaggregation per Source',
  exposure: 'Exposure',
  'avg_losses-rlzs': 'Average Asset Losses',
  'avg_losses-stats': 'Average Asset Losses Statistics',
  'loss_curves-rlzs': 'Asset Loss Curves',
  'loss_curves-stats': 'Asset Loss Curves Statistics',
  'loss_maps-rlzs': 'Asset Loss Maps',
  'loss_maps-stats': 'Asset Loss Maps Statistics',
  'damages-rlzs': 'Asset Risk Distributions',
  'damages-stats': 'Asset Risk Statistics',
  aggrisk: 'Aggregate Risk',
  'aggrisk-stats': 'Aggregate Risk Statistics',
  aggcurves: 'Aggregate Risk Curves',
  'aggcurves-stats': 'Aggregate Risk Curves Statistics',
  risk_by_event: 'Aggregated Risk By Event',
  'bcr-rlzs': 'Benefit Cost Ratios',
  'bcr-stats': 'Benefit Cost Ratios Statistics',
  'cs-stats': 'Mean Conditional Spectra',
};

/** Collects the `exported KEY: [files]` reports of one run: file (relative to the export folder) -> key. */
export class ExportedFiles {
  private readonly keys = new Map<string, string>();
  constructor(private readonly exportFolder: string) {}

  /** Remembers the files of one `exported` report. */
  add(key: string, files: string[]): void {
    for (const file of files) {
      const rel = path.relative(this.exportFolder, path.resolve(this.exportFolder, file)).split(path.sep).join('/');
      if (!rel.startsWith('..')) {
        this.keys.set(rel, key);
      }
    }
  }

  /** The key the engine gave a file, if it reported it. */
  keyOf(rel: string): string | undefined {
    return this.keys.get(rel);
  }
}

/** `name_<id>` -> `name` (the engine's suffix), for the given engine and WebUI ids. */
function withoutIdSuffix(base: string, ids: number[]): string {
  for (const id of ids) {
    const suffix = `_${id}`;
    if (base.endsWith(suffix) && base.length > suffix.length) {
      return base.slice(0, -suffix.length);
    }
  }
  return base;
}

/** The readable name of a file of output `key`: `Hazard Curves (mean-PGA)` for hazard_curve-mean-PGA. */
export function displayNameOf(key: string, base: string): string {
  const name = DISPLAY_NAMES[key] ?? key;
  const dash = base.indexOf('-');
  const detail = base === key || dash < 0 ? '' : base.slice(dash + 1);
  return detail === '' ? name : `${name} (${detail})`;
}

/** The outputs of the export folder, named from the engine's reports. */
export async function engineOutputs(exportFolder: string, exported: ExportedFiles, ids: number[]): Promise<ScannedOutput[]> {
  const groups = new Map<string, { types: string[]; size: number; key: string | undefined }>();
  for (const { rel, size } of await listFiles(exportFolder)) {
    const ext = path.posix.extname(rel);
    const usable = ext.length > 1 && !ext.includes(',');
    const stem = usable ? rel.slice(0, -ext.length) : rel;
    const g = groups.get(stem) ?? { types: [], size: 0, key: undefined };
    g.types.push(usable ? ext.slice(1) : '');
    g.size += size;
    g.key = g.key ?? exported.keyOf(rel);
    groups.set(stem, g);
  }
  return [...groups.entries()].map(([stem, g]) => {
    const base = withoutIdSuffix(path.posix.basename(stem), ids);
    const key = g.key ?? base;
    return { display_name: displayNameOf(key, base), ds_key: key, file_stem: stem, export_types: g.types.join(','), size_mb: g.size / MB };
  });
}
