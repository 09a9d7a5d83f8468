/**
 * The auth epoch: one row, one integer, moved by triggers on every write that decides who a
 * request is (sessions ending, users, rights, memberships, groups), whoever writes; not by a new
 * session, last_login, failed logins. Caches trust what they read while it stays
 * (src/db/fresh-cache.ts; docs/architecture.md, decision 2).
 */
import { DataTypes, type QueryInterface, type Sequelize, type Transaction } from 'sequelize';

const BUMP = 'UPDATE auth_epoch SET n = n + 1 WHERE id = 1';

/** [table, events] whose rows decide who a request is. */
const WATCHED: [string, string, string][] = [
  // [trigger name suffix, table, event]
  ['users_update', 'users', 'UPDATE OF username, password, is_active, is_staff, is_superuser'],
  ['users_delete', 'users', 'DELETE'],
  ['groups_update', 'groups', 'UPDATE'],
  ['groups_delete', 'groups', 'DELETE'],
  ['memberships_insert', 'memberships', 'INSERT'],
  ['memberships_update', 'memberships', 'UPDATE'],
  ['memberships_delete', 'memberships', 'DELETE'],
  ['sessions_update', 'sessions', 'UPDATE'],
  ['sessions_delete', 'sessions', 'DELETE'],
];

export async function up(qi: QueryInterface, sequelize: Sequelize, transaction: Transaction): Promise<void> {
  await qi.createTable('auth_epoch', {
    id: { type: DataTypes.INTEGER, primaryKey: true },
    n: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
  }, { transaction });
  await sequelize.query('INSERT INTO auth_epoch (id, n) VALUES (1, 0)', { transaction });
  if (sequelize.getDialect() === 'postgres') {
    await sequelize.query(`CREATE FUNCTION auth_epoch_bump() RETURNS trigger AS $$ BEGIN ${BUMP}; RETURN NULL; END $$ LANGUAGE plpgsql`, { transaction });
    for (const [name, table, event] of WATCHED) {
      // once per statement: a logout of 1,000 sessions is one bump
      await sequelize.query(`CREATE TRIGGER auth_epoch_${name} AFTER ${event} ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION auth_epoch_bump()`, { transaction });
    }
    return;
  }
  for (const [name, table, event] of WATCHED) {
    await sequelize.query(`CREATE TRIGGER auth_epoch_${name} AFTER ${event} ON ${table} BEGIN ${BUMP}; END`, { transaction });
  }
}
