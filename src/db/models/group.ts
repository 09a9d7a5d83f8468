import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

/** A group of users: members see each other's calculations (table `groups`). */
export class Group extends Model<InferAttributes<Group>, InferCreationAttributes<Group>> {
  declare id: CreationOptional<number>;
  declare name: string;
}

/** A user's membership of a group (table `memberships`). */
export class Membership extends Model<InferAttributes<Membership>, InferCreationAttributes<Membership>> {
  declare userId: number;
  declare groupId: number;
}

/** Binds the Group model to a database. */
export function initGroup(sequelize: Sequelize): typeof Group {
  class BoundGroup extends Group {}
  BoundGroup.init({
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    name: { type: DataTypes.STRING(150), allowNull: false, unique: true },
  }, { sequelize, modelName: 'Group', tableName: 'groups', timestamps: false });
  return BoundGroup;
}

/** Binds the Membership model to a database. */
export function initMembership(sequelize: Sequelize): typeof Membership {
  class BoundMembership extends Membership {}
  BoundMembership.init({
    userId: { type: DataTypes.INTEGER, allowNull: false, primaryKey: true, field: 'user_id' },
    groupId: { type: DataTypes.INTEGER, allowNull: false, primaryKey: true, field: 'group_id' },
  }, { sequelize, modelName: 'Membership', tableName: 'memberships', timestamps: false });
  return BoundMembership;
}
