/** Who is making a request, as the policies see them (ctx.state.actor). */
export interface Actor {
  /** The user's row id; null for the LOCKDOWN-off default user when it has no row. */
  id: number | null;
  username: string;
  isSuperuser: boolean;
  isStaff: boolean;
  /** Ids of the groups the user belongs to. */
  groupIds: readonly number[];
  /** The original's user level: 0 view only, 1 simplified, 2 advanced (users.level, migration 0009). */
  level: number;
  /** LOCKDOWN off: the default user, who may see and do everything (as the original). */
  unrestricted: boolean;
}
