/**
 * Failed logins remember the username tried, so that throttling counts per (username, IP)
 * as well as per IP (django-axes' way): an attacker guessing one account's password behind a
 * shared address no longer locks every other user of that address out.
 */
import { DataTypes, type QueryInterface, type Sequelize, type Transaction } from 'sequelize';

export async function up(qi: QueryInterface, _sequelize: Sequelize, transaction: Transaction): Promise<void> {
  // '' for the rows written before: they still count for their IP
  await qi.addColumn('login_failures', 'username', { type: DataTypes.STRING(150), allowNull: false, defaultValue: '' }, { transaction });
  await qi.addIndex('login_failures', ['username', 'ip', 'at'], { name: 'login_failures_username_ip_at', transaction });
}
