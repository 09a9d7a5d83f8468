/**
 * The real OpenQuake Engine for tests: where it is (OQ_ENGINE_VENV, default /opt/openquake/venv),
 * the classical QA case 1 it ships as an upload, and the processes a run started.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildZip } from './zips.js';

export const VENV = process.env.OQ_ENGINE_VENV ?? '/opt/openquake/venv';
export const OQ = join(VENV, 'bin', 'oq');

/** The installed package's classical QA case 1 (one point source, one GSIM), or null. */
export function qaCase(): string | null {
  const lib = join(VENV, 'lib');
  const py = existsSync(lib) ? readdirSync(lib).find((d) => d.startsWith('python3')) : undefined;
  const dir = py ? join(lib, py, 'site-packages', 'openquake', 'qa_tests_data', 'classical', 'case_01') : '';
  return dir && existsSync(join(dir, 'source_model.xml')) ? dir : null;
}

/** Whether the engine and its QA case are there. */
export function engineInstalled(): boolean {
  try {
    accessSync(OQ, constants.X_OK);
    return qaCase() !== null;
  } catch {
    return false;
  }
}

/** A classical PSHA job.ini: QA case 1 with 4 sites, or (without `sites`) a grid of sites for a longer run. */
export function classicalIni(extra: Record<string, string> = {}, without: string[] = []): string {
  const keys: Record<string, string> = {
    description: 'Classical PSHA, one point source',
    calculation_mode: 'classical',
    sites: '0.0 0.0, 0.1 0.0, 0.2 0.0, 0.3 0.0',
    number_of_logic_tree_samples: '0',
    rupture_mesh_spacing: '1.0',
    width_of_mfd_bin: '1.0',
    area_source_discretization: '',
    reference_vs30_type: 'measured',
    reference_vs30_value: '800.0',
    reference_depth_to_2pt5km_per_sec: '2.5',
    reference_depth_to_1pt0km_per_sec: '50.0',
    source_model_logic_tree_file: 'source_model_logic_tree.xml',
    gsim_logic_tree_file: 'gsim_logic_tree.xml',
    investigation_time: '1.0',
    intensity_measure_types_and_levels: '{"PGA": [0.1, 0.4, 0.6], "SA(0.1)": [0.1, 0.4, 0.6]}',
    truncation_level: '2.0',
    maximum_distance: '200.0',
    ...extra,
  };
  return `[general]\n${Object.entries(keys).filter(([k]) => !without.includes(k)).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`;
}

/** A GSIM logic tree of two branches (Sadigh 1997, Boore-Atkinson 2008): two realizations, so mean curves and maps. */
export const TWO_GSIMS = `<?xml version="1.0" encoding="UTF-8"?>
<nrml xmlns="http://openquake.org/xmlns/nrml/0.4"><logicTree logicTreeID="lt1"><logicTreeBranchingLevel branchingLevelID="bl1">
<logicTreeBranchSet uncertaintyType="gmpeModel" branchSetID="bs1" applyToTectonicRegionType="active shallow crust">
<logicTreeBranch branchID="b1"><uncertaintyModel>SadighEtAl1997</uncertaintyModel><uncertaintyWeight>0.6</uncertaintyWeight></logicTreeBranch>
<logicTreeBranch branchID="b2"><uncertaintyModel>BooreAtkinson2008</uncertaintyModel><uncertaintyWeight>0.4</uncertaintyWeight></logicTreeBranch>
</logicTreeBranchSet></logicTreeBranchingLevel></logicTree></nrml>
`;

/** The upload: the job.ini and the QA case's logic trees and source model. */
export function classicalZip(ini: string): Promise<Buffer> {
  const dir = qaCase() as string;
  const files = ['source_model.xml', 'source_model_logic_tree.xml', 'gsim_logic_tree.xml'];
  return buildZip([{ name: 'job.ini', data: ini }, ...files.map((f) => ({ name: f, data: readFileSync(join(dir, f)) }))]);
}

/** Pids of the live processes whose environment has `marker` (every process the engine started inherits it). */
export function processesWith(marker: string): number[] {
  const pids = execFileSync('ps', ['-e', '-o', 'pid=', '-o', 'stat=']).toString().trim().split('\n')
    .map((l) => l.trim().split(/\s+/)).filter(([, stat]) => !stat.startsWith('Z')).map(([pid]) => Number(pid));
  return pids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(marker);
    } catch {
      return false;
    }
  });
}
