/**
 * Outputs of a finished calculation, as the original WebUI gives them: the engine's outputs
 * (data/outputs.ts copies them from the engine's database), each exported on demand in one of
 * the types the engine's exporters offer for it (python/oq_webui_results.py).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** Bytes in a megabyte, as the original computes size_mb. */
export const MB = 1024 * 1024;

/** The type asked for when a download names none (the original's DEFAULT_EXPORT_TYPE). */
export const DEFAULT_EXPORT_TYPE = 'xml';

/** Lists the regular files under `dir` (recursively, links skipped) as relative posix paths with sizes. */
export async function listFiles(dir: string): Promise<{ rel: string; size: number }[]> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw err;
  }
  const files: { rel: string; size: number }[] = [];
  for (const entry of entries) {
    if (entry.isFile()) {
      const full = path.join(entry.parentPath ?? entry.path, entry.name);
      files.push({ rel: path.relative(dir, full).split(path.sep).join('/'), size: (await stat(full)).size });
    }
  }
  return files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/** Total size of a folder in megabytes (0 when it does not exist). */
export async function folderSizeMb(dir: string): Promise<number> {
  const files = await listFiles(dir);
  return files.reduce((n, f) => n + f.size, 0) / MB;
}

/** The export types of an output row (`export_types` is comma-separated). */
export function outtypesOf(o: { export_types: string }): string[] {
  return o.export_types === '' ? [] : o.export_types.split(',');
}

/**
 * The content type of a download, as the original's calc_result gives it: xml and geojson by
 * their type; otherwise a zip (several files) is application/x-zip and one file text/plain.
 */
export function contentTypeOf(exportType: string, zipped: boolean): string {
  const byType: Record<string, string> = { xml: 'application/xml', geojson: 'application/json' };
  return byType[exportType] ?? (zipped ? 'application/x-zip' : 'text/plain');
}

/** Whether the engine's export of `dsKey` in `exportType` was several files zipped by the bridge (its name). */
export function isZipOfSeveral(file: string, dsKey: string, exportType: string): boolean {
  return path.posix.basename(file) === `${dsKey}-${exportType}.zip`;
}
