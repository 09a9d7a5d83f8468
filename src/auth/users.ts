/** Who an actor is: the Actor of a logged-in user, or of everyone when LOCKDOWN is off. */
import type { AccountModels, User } from '../db/models/index.js';
import { groupIdsOf } from '../data/users.js';
import type { Actor } from './actor.js';

/** The Actor of a logged-in user. */
export async function actorOfUser(models: AccountModels, user: User): Promise<Actor> {
  return {
    id: user.id,
    username: user.username,
    isSuperuser: user.isSuperuser,
    isStaff: user.isStaff,
    groupIds: await groupIdsOf(models, user.id),
    level: user.level,
    unrestricted: false,
  };
}

/** The Actor of every caller when LOCKDOWN is off: the default user, allowed everything. */
export function unrestrictedActor(username: string): Actor {
  return { id: null, username, isSuperuser: false, isStaff: false, groupIds: [], level: 2, unrestricted: true };
}
