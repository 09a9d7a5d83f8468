/** The account models of one database; other model sets (calculations) live beside them. */
import type { Sequelize } from 'sequelize';
import { initGroup, initMembership, type Group, type Membership } from './group.js';
import { initLoginFailure, initSessionRow, type LoginFailure, type SessionRow } from './session.js';
import { initUser, type User } from './user.js';

/** The account models bound to one database. */
export interface AccountModels {
  sequelize: Sequelize;
  User: typeof User;
  Group: typeof Group;
  Membership: typeof Membership;
  SessionRow: typeof SessionRow;
  LoginFailure: typeof LoginFailure;
}

const bound = new WeakMap<Sequelize, AccountModels>();

/** The account models of this database, bound once (later calls return the same ones). */
export function initAccountModels(sequelize: Sequelize): AccountModels {
  let models = bound.get(sequelize);
  if (!models) {
    const User = initUser(sequelize);
    const Group = initGroup(sequelize);
    const Membership = initMembership(sequelize);
    User.belongsToMany(Group, { through: Membership, foreignKey: 'userId', otherKey: 'groupId', as: 'groups' });
    Group.belongsToMany(User, { through: Membership, foreignKey: 'groupId', otherKey: 'userId', as: 'members' });
    models = {
      sequelize, User, Group, Membership,
      SessionRow: initSessionRow(sequelize),
      LoginFailure: initLoginFailure(sequelize),
    };
    bound.set(sequelize, models);
  }
  return models;
}

export type { AccountSource } from './user.js';
export { User } from './user.js';
export { Group, Membership } from './group.js';
export { LoginFailure, SessionRow } from './session.js';
