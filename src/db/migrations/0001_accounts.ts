/**
 * Accounts: users, groups, memberships, login sessions and failed logins (for throttling).
 * Column names follow Django's auth_user where there is one, so that an existing
 * Django WebUI's users can be copied over with their password hashes.
 */
import { DataTypes, type QueryInterface, type Sequelize, type Transaction } from 'sequelize';

export async function up(qi: QueryInterface, _sequelize: Sequelize, transaction: Transaction): Promise<void> {
  await qi.createTable('users', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    username: { type: DataTypes.STRING(150), allowNull: false, unique: true },
    email: { type: DataTypes.STRING(254), allowNull: false, defaultValue: '' },
    // Django's format, pbkdf2_sha256$<iterations>$<salt>$<hash>; null: no local password (PAM)
    password: { type: DataTypes.STRING(256), allowNull: true },
    is_active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    is_staff: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    is_superuser: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    // where the account comes from: 'local' or 'pam'
    source: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'local' },
    last_login: { type: DataTypes.DATE, allowNull: true },
    date_joined: { type: DataTypes.DATE, allowNull: false },
  }, { transaction });
  await qi.createTable('groups', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    name: { type: DataTypes.STRING(150), allowNull: false, unique: true },
  }, { transaction });
  await qi.createTable('memberships', {
    user_id: {
      type: DataTypes.INTEGER, allowNull: false, primaryKey: true,
      references: { model: 'users', key: 'id' }, onDelete: 'CASCADE',
    },
    group_id: {
      type: DataTypes.INTEGER, allowNull: false, primaryKey: true,
      references: { model: 'groups', key: 'id' }, onDelete: 'CASCADE',
    },
  }, { transaction });
  await qi.addIndex('memberships', ['group_id'], { name: 'memberships_group_id', transaction });
  await qi.createTable('sessions', {
    sid: { type: DataTypes.STRING(64), primaryKey: true },
    // the koa-session data as JSON
    data: { type: DataTypes.TEXT, allowNull: false },
    // milliseconds since the epoch
    expires_at: { type: DataTypes.BIGINT, allowNull: false },
    user_id: {
      type: DataTypes.INTEGER, allowNull: true,
      references: { model: 'users', key: 'id' }, onDelete: 'CASCADE',
    },
  }, { transaction });
  await qi.addIndex('sessions', ['expires_at'], { name: 'sessions_expires_at', transaction });
  await qi.addIndex('sessions', ['user_id'], { name: 'sessions_user_id', transaction });
  await qi.createTable('login_failures', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    ip: { type: DataTypes.STRING(64), allowNull: false },
    // milliseconds since the epoch
    at: { type: DataTypes.BIGINT, allowNull: false },
  }, { transaction });
  await qi.addIndex('login_failures', ['ip', 'at'], { name: 'login_failures_ip_at', transaction });
}
