/** Error stacks that name their cause on the first line (the server log shows the stack of a failed request). */
import type { Sequelize } from 'sequelize';

/** Sequelize's errors (SQLite's and PostgreSQL's) carry a stack that starts with a bare "Error": put the cause back on its first line. */
export function keepCauseInStack(db: Sequelize): void {
  const query = db.query.bind(db) as (...args: unknown[]) => Promise<unknown>;
  (db as unknown as { query: typeof query }).query = async (...args: unknown[]) => {
    try {
      return await query(...args);
    } catch (err) {
      throw withCause(err);
    }
  };
}

/** The error with its message on the first line of its stack. */
export function withCause(err: unknown): unknown {
  if (err instanceof Error && typeof err.stack === 'string' && !err.stack.includes(err.message)) {
    err.stack = `${err.name}: ${err.message}${err.stack.replace(/^[^\n]*/, '')}`;
  }
  return err;
}
