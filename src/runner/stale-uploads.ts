/** Uploads left half-received by a worker that died: removed by the runner at start once old. */
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { uploadsDir } from '../calcs/paths.js';

/** An upload folder untouched this long is abandoned (a slow 512 MB upload takes minutes, not a day). */
export const STALE_UPLOAD_MS = 24 * 3600 * 1000;

/** Removes abandoned upload folders; returns how many. */
export async function removeStaleUploads(dataDir: string, now = Date.now()): Promise<number> {
  const root = uploadsDir(dataDir);
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const st = await stat(path.join(root, name)).catch(() => null);
    if (st !== null && now - st.mtimeMs > STALE_UPLOAD_MS) {
      await rm(path.join(root, name), { recursive: true, force: true });
      removed += 1;
    }
  }
  return removed;
}
