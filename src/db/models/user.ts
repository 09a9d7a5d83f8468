import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

/** Where an account comes from. */
export type AccountSource = 'local' | 'pam';

/** A user account (table `users`). */
export class User extends Model<InferAttributes<User>, InferCreationAttributes<User>> {
  declare id: CreationOptional<number>;
  declare username: string;
  declare email: CreationOptional<string>;
  /** Django-format hash, or null (no local password: PAM accounts). */
  declare password: string | null;
  declare isActive: CreationOptional<boolean>;
  declare isStaff: CreationOptional<boolean>;
  declare isSuperuser: CreationOptional<boolean>;
  declare source: CreationOptional<AccountSource>;
  /** The original's user level: 0 view only, 1 simplified, 2 advanced (migration 0009). */
  declare level: CreationOptional<number>;
  declare lastLogin: CreationOptional<Date | null>;
  declare dateJoined: CreationOptional<Date>;
}

/** Binds the User model to a database (once per Sequelize instance). */
export function initUser(sequelize: Sequelize): typeof User {
  // a subclass per database, so that two databases can be open in one process (tests)
  class BoundUser extends User {}
  BoundUser.init({
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    username: { type: DataTypes.STRING(150), allowNull: false, unique: true },
    email: { type: DataTypes.STRING(254), allowNull: false, defaultValue: '' },
    password: { type: DataTypes.STRING(256), allowNull: true },
    isActive: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true, field: 'is_active' },
    isStaff: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false, field: 'is_staff' },
    isSuperuser: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false, field: 'is_superuser' },
    source: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'local' },
    level: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 2 },
    lastLogin: { type: DataTypes.DATE, allowNull: true, field: 'last_login' },
    dateJoined: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW, field: 'date_joined' },
  }, { sequelize, modelName: 'User', tableName: 'users', timestamps: false });
  return BoundUser;
}
