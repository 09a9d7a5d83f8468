/** The rules of group names, shared by the commands, the PAM mapping and the admin routes. */
import { badRequest } from '../errors.js';
import { createGroupIfMissing, findGroupNamed } from '../data/groups.js';
import type { AccountModels, Group } from '../db/models/index.js';

/** Throws 400 unless a group name is acceptable. */
export function checkGroupName(name: string): void {
  if (typeof name !== 'string' || name.trim() === '' || name.length > 150) {
    throw badRequest('A group name is 1 to 150 characters.');
  }
}

/** Finds groups by name; 400 naming those that do not exist (or creates them). */
export async function groupsNamed(models: AccountModels, names: string[], create = false): Promise<Group[]> {
  const out: Group[] = [];
  const missing: string[] = [];
  for (const name of [...new Set(names)]) {
    let g = await findGroupNamed(models, name);
    if (!g && create) {
      checkGroupName(name);
      g = await createGroupIfMissing(models, name);
    }
    if (g) {
      out.push(g);
    } else {
      missing.push(name);
    }
  }
  if (missing.length > 0) {
    throw badRequest(`No such group: ${missing.join(', ')}`);
  }
  return out;
}
