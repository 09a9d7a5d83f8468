/**
 * Uploads left half-received by a worker that died: each worker and the runner remove, when
 * they start, the upload folders of workers that are gone; a folder of a live worker is left
 * alone, one of another host or of unknown owner once untouched for STALE_UPLOAD_MS (the rule:
 * docs/architecture.md, "Reasons moved out of file headers").
 */
import { hostname } from 'node:os';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { uploadsDir } from '../calcs/paths.js';
import { isLiveProcessWith } from './liveness.js';

/** An upload folder of unknown owner untouched this long is abandoned (a slow 512 MB upload takes minutes, not a day). */
export const STALE_UPLOAD_MS = 24 * 3600 * 1000;

/** The environment marker of an HTTP worker (set by the master when it spawns one). */
const WORKER_MARKER = 'OQ_WEBUI_CHILD=web';

/** This host's name as it may appear in a folder name. */
function hostTag(): string {
  return hostname().replace(/[^A-Za-z0-9.]/g, '_') || 'host';
}

/** How the upload folders of this process are named (mkdtemp adds the random end). */
export function uploadFolderPrefix(pid = process.pid): string {
  return `upload-${hostTag()}-${pid}-`;
}

/** The owner written in a folder name: host and pid; null for a name without one. */
export function ownerOf(name: string): { host: string; pid: number } | null {
  const m = /^upload-(.+)-(\d+)-[^-]+$/.exec(name);
  return m ? { host: m[1], pid: Number(m[2]) } : null;
}

/** Whether a folder is a leftover: its owner on this host is dead, or it is a day old. */
function isLeftover(name: string, mtimeMs: number, now: number): boolean {
  if (now - mtimeMs > STALE_UPLOAD_MS) {
    // whoever the owner (a reused pid may look alive), no upload takes that long
    return true;
  }
  const owner = ownerOf(name);
  return owner !== null && owner.host === hostTag() && owner.pid !== process.pid && !isLiveProcessWith(owner.pid, WORKER_MARKER);
}

/** Removes the upload folders left by dead workers (and old ones of unknown owner); returns how many. */
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
    if (st !== null && isLeftover(name, st.mtimeMs, now)) {
      // several processes may sweep at once (every worker starts together): losing the race is fine
      await rm(path.join(root, name), { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
      removed += 1;
    }
  }
  return removed;
}
