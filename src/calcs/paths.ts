/**
 * Where a calculation's files live: everything under DATA_DIR/calc_<id>/ (inputs in input/,
 * exports in export/, the engine's datastore beside them), and uploads being received under
 * DATA_DIR/uploads/ until they become a calculation. Nothing is written anywhere else.
 */
import { join } from 'node:path';

/** The folder of calculation `id`. */
export function calcDir(dataDir: string, id: number): string {
  return join(dataDir, `calc_${id}`);
}

/** The uploaded files of a calculation (the job.ini and its inputs). */
export function inputDir(calcFolder: string): string {
  return join(calcFolder, 'input');
}

/** Where the engine writes its exports. */
export function exportDir(calcFolder: string): string {
  return join(calcFolder, 'export');
}

/** Where uploads are received before they become a calculation folder (same file system, so a rename moves them). */
export function uploadsDir(dataDir: string): string {
  return join(dataDir, 'uploads');
}
