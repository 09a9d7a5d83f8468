/** The database drivers Sequelize may load (native addons, or loaded by name): a bundler keeps them external. */
export const DRIVER_PACKAGES = [
  'sqlite3', 'better-sqlite3', 'pg', 'pg-hstore', 'pg-native', 'pg-query-stream', 'mysql2', 'mariadb', 'tedious', 'oracledb', 'ibm_db', 'snowflake-sdk',
];
