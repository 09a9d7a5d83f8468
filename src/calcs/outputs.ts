/**
 * Outputs of a finished calculation: the files of its export folder, grouped by name without
 * extension (`hcurves_42.csv` and `hcurves_42.xml` are one output with two export types).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** One output as stored in the `output` table. */
export interface ScannedOutput {
  display_name: string;
  ds_key: string;
  file_stem: string;
  export_types: string;
  size_mb: number;
}

/** Bytes in a megabyte, as the original computes size_mb. */
export const MB = 1024 * 1024;

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

/** The data-store key of an exported file: its name without folder, extension and `_<calc id>` suffix. */
export function dsKeyOf(stem: string, calcId: number): string {
  const base = path.posix.basename(stem);
  const suffix = `_${calcId}`;
  return base.endsWith(suffix) && base.length > suffix.length ? base.slice(0, -suffix.length) : base;
}

/** Groups the export folder's files into outputs (hidden files and files without extension included as-is). */
export async function scanExports(dir: string, calcId: number): Promise<ScannedOutput[]> {
  const groups = new Map<string, { types: string[]; size: number }>();
  for (const { rel, size } of await listFiles(dir)) {
    const ext = path.posix.extname(rel);
    const usable = ext.length > 1 && !ext.includes(',');
    const stem = usable ? rel.slice(0, -ext.length) : rel;
    const type = usable ? ext.slice(1) : '';
    const g = groups.get(stem) ?? { types: [], size: 0 };
    g.types.push(type);
    g.size += size;
    groups.set(stem, g);
  }
  return [...groups.entries()].map(([stem, g]) => ({
    display_name: dsKeyOf(stem, calcId),
    ds_key: dsKeyOf(stem, calcId),
    file_stem: stem,
    export_types: g.types.join(','),
    size_mb: g.size / MB,
  }));
}

/** The file of one export type of an output, relative to the export folder. */
export function exportFileOf(fileStem: string, exportType: string): string {
  return exportType === '' ? fileStem : `${fileStem}.${exportType}`;
}

/** Total size of a folder in megabytes (0 when it does not exist). */
export async function folderSizeMb(dir: string): Promise<number> {
  const files = await listFiles(dir);
  return files.reduce((n, f) => n + f.size, 0) / MB;
}

/** The content type of a download, by export type (as the original's EXPORT_CONTENT_TYPE_MAP). */
export function contentTypeOf(exportType: string): string {
  const map: Record<string, string> = {
    csv: 'text/csv',
    xml: 'application/xml',
    txt: 'text/plain',
    json: 'application/json',
    geojson: 'application/json',
    zip: 'application/zip',
    hdf5: 'application/x-hdf',
  };
  return map[exportType.toLowerCase()] ?? 'application/octet-stream';
}
