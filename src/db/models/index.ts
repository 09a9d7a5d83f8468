/** The account models of one database; other model sets (calculations) live beside them. */
import type { Sequelize } from 'sequelize';
import { bindOnce } from './bind-once.js';
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

/** The account models of this database, bound once (later calls return the same ones). */
export const initAccountModels: (sequelize: Sequelize) => AccountModels = bindOnce((sequelize) => {
  const User = initUser(sequelize);
  const Group = initGroup(sequelize);
  const Membership = initMembership(sequelize);
  User.belongsToMany(Group, { through: Membership, foreignKey: 'userId', otherKey: 'groupId', as: 'groups' });
  Group.belongsToMany(User, { through: Membership, foreignKey: 'groupId', otherKey: 'userId', as: 'members' });
  return {
    sequelize, User, Group, Membership,
    SessionRow: initSessionRow(sequelize),
    LoginFailure: initLoginFailure(sequelize),
  };
});

export type { AccountSource } from './user.js';
export { User } from './user.js';
export { Group, Membership } from './group.js';
export { LoginFailure, SessionRow } from './session.js';
