/** What the admin routes show of users and groups: fields listed one by one, never the hash. */
import type { Group, User } from '../../db/models/index.js';
import { UNUSABLE_PASSWORD_PREFIX } from '../../auth/passwords.js';

/** A user as the admin routes show it. */
export function presentUser(u: User, groups: string[]): Record<string, unknown> {
  return {
    id: u.id,
    username: u.username,
    email: u.email,
    is_active: u.isActive,
    is_staff: u.isStaff,
    is_superuser: u.isSuperuser,
    level: u.level,
    source: u.source,
    has_password: !!u.password && !u.password.startsWith(UNUSABLE_PASSWORD_PREFIX),
    last_login: u.lastLogin ? new Date(u.lastLogin).toISOString() : null,
    date_joined: new Date(u.dateJoined).toISOString(),
    groups,
  };
}

/** A group as the admin routes show it. */
export function presentGroup(g: Group, members: Array<{ id: number; username: string }>): Record<string, unknown> {
  return { id: g.id, name: g.name, members };
}
