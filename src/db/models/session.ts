import { DataTypes, Model, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

/** A login session, shared by all workers (table `sessions`). */
export class SessionRow extends Model<InferAttributes<SessionRow>, InferCreationAttributes<SessionRow>> {
  declare sid: string;
  /** The session's data, as JSON. */
  declare data: string;
  /** Milliseconds since the epoch. */
  declare expiresAt: number;
  declare userId: number | null;
}

/** A failed login from one IP, kept for LOGIN_FAILURE_WINDOW (table `login_failures`). */
export class LoginFailure extends Model<InferAttributes<LoginFailure>, InferCreationAttributes<LoginFailure>> {
  declare id?: number;
  declare ip: string;
  /** The username tried (as given, bounded; '' when none could be kept). */
  declare username: string;
  /** Milliseconds since the epoch. */
  declare at: number;
}

/** Binds the SessionRow model to a database. */
export function initSessionRow(sequelize: Sequelize): typeof SessionRow {
  class BoundSessionRow extends SessionRow {}
  BoundSessionRow.init({
    sid: { type: DataTypes.STRING(64), primaryKey: true },
    data: { type: DataTypes.TEXT, allowNull: false },
    expiresAt: { type: DataTypes.BIGINT, allowNull: false, field: 'expires_at' },
    userId: { type: DataTypes.INTEGER, allowNull: true, field: 'user_id' },
  }, { sequelize, modelName: 'SessionRow', tableName: 'sessions', timestamps: false });
  return BoundSessionRow;
}

/** Binds the LoginFailure model to a database. */
export function initLoginFailure(sequelize: Sequelize): typeof LoginFailure {
  class BoundLoginFailure extends LoginFailure {}
  BoundLoginFailure.init({
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    ip: { type: DataTypes.STRING(64), allowNull: false },
    username: { type: DataTypes.STRING(150), allowNull: false, defaultValue: '' },
    at: { type: DataTypes.BIGINT, allowNull: false },
  }, { sequelize, modelName: 'LoginFailure', tableName: 'login_failures', timestamps: false });
  return BoundLoginFailure;
}
