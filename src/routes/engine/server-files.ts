/**
 * Paths on the server that a request names (on_same_fs, run_ini, jobs_from_inis, validate_ini):
 * only regular files inside the folders an operator allows, links resolved first. A path outside
 * them and a path that is not there get the same answer, so no route can probe the server's files.
 */
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';
import { badRequest, forbidden } from '../../errors.js';
import type { Settings } from '../../settings/schema.js';

/** The real path of `file` when it is a regular file inside one of `dirs` (links resolved), else null. */
export async function fileInside(file: string, dirs: string[]): Promise<string | null> {
  if (!isAbsolute(file)) {
    return null;
  }
  try {
    const real = await realpath(file);
    if (!(await stat(real)).isFile()) {
      return null;
    }
    for (const dir of dirs) {
      const root = await realpath(dir).catch(() => null);
      const rel = root === null ? '..' : relative(root, real);
      if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) {
        return real;
      }
    }
  } catch {
    // missing, unreadable: the same answer as outside
  }
  return null;
}

/**
 * The real path of the job.ini a request names (`field`): 403 when the operator allows none
 * (RUN_INI_FOLDERS empty, the default), 400 when it is not given, missing or not allowed.
 */
export async function allowedIni(settings: Settings, raw: unknown, field = 'job_ini'): Promise<string> {
  if (settings.RUN_INI_FOLDERS.length === 0) {
    throw forbidden('This server runs no job.ini files already on it: the operator allows their folders with RUN_INI_FOLDERS');
  }
  if (typeof raw !== 'string' || raw === '') {
    throw badRequest(`Please provide the "${field}" parameter: the full path of a job.ini on the server`);
  }
  const real = await fileInside(raw, settings.RUN_INI_FOLDERS);
  if (real === null) {
    // missing or not allowed: the same answer
    throw badRequest(`${field} is not the full path of a file in the folders this server allows (RUN_INI_FOLDERS)`);
  }
  return real;
}
