import { existsSync } from 'node:fs';
/** What the database commands (migrate, createsuperuser, createuser, changepassword) share. */
import { HttpError } from '../errors.js';
import { openAppDatabase, type OpenDatabase } from '../db/database.js';
import { sqlitePath } from '../db/url.js';
import { resolveSettings } from '../settings/load.js';
import type { Settings } from '../settings/schema.js';
import type { ParsedArgs } from './args.js';
import { PromptAborted } from './prompt.js';

/** The settings of a command (--config, --database, --data-dir ...), or null after printing the problems. */
export function commandSettings(args: ParsedArgs): Settings | null {
  const r = resolveSettings({ cli: args.settings, configPath: args.configPath });
  if (r.problems.length > 0) {
    for (const p of r.problems) {
      process.stderr.write(`Error: ${p}\n`);
    }
    return null;
  }
  return r.settings;
}

/**
 * Runs `body` on the migrated DATABASE and closes it; known failures (HttpError from the
 * account rules, a missing or unmigrated database, Ctrl-C) print `Error: ...` and give 1.
 */
export async function withDatabase(args: ParsedArgs, body: (db: OpenDatabase, s: Settings) => Promise<number>): Promise<number> {
  const s = commandSettings(args);
  if (!s) {
    return 2;
  }
  const file = sqlitePath(s.DATABASE);
  if (file !== null && !existsSync(file)) {
    // a command, unlike a serving worker, is run before the database exists: say how to make it
    process.stderr.write(`Error: the database at ${file} does not exist: run "oq-webui migrate" to create it\n`);
    return 1;
  }
  let db: OpenDatabase;
  try {
    db = await openAppDatabase(s.DATABASE);
  } catch (e) {
    process.stderr.write(`Error: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    return await body(db, s);
  } catch (e) {
    if (e instanceof HttpError || e instanceof PromptAborted || e instanceof CommandFailed) {
      process.stderr.write(`Error: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    await db.sequelize.close();
  }
}

/** A command gave up (e.g. after three mismatched passwords); the message says why. */
export class CommandFailed extends Error {}

/** Prints each problem as `Error: ...` (the names of the password rules broken). */
export function printProblems(problems: string[]): void {
  for (const p of problems) {
    process.stderr.write(`Error: ${p}\n`);
  }
}

/** Asks for a new password twice (hidden) until it matches and passes every rule; 3 tries. */
export async function askNewPassword(prompter: import('./prompt.js').Prompter, owner: { username: string; email?: string }, attempts = 3): Promise<string> {
  const { validatePassword } = await import('../auth/password-validators.js');
  for (let i = 0; i < attempts; i += 1) {
    const p1 = await prompter.askHidden('Password: ');
    const p2 = await prompter.askHidden('Password (again): ');
    if (p1 !== p2) {
      process.stderr.write('Error: Your passwords didn\'t match.\n');
      continue;
    }
    if (p1 === '') {
      process.stderr.write('Error: Blank passwords aren\'t allowed.\n');
      continue;
    }
    const problems = validatePassword(p1, owner);
    if (problems.length > 0) {
      printProblems(problems);
      continue;
    }
    return p1;
  }
  throw new CommandFailed(`no acceptable password after ${attempts} attempts`);
}

/** A password given on stdin (its first line) or through the environment, checked by the rules. */
export async function givenPassword(password: string, owner: { username: string; email?: string }): Promise<string> {
  const { validatePassword } = await import('../auth/password-validators.js');
  if (password === '') {
    throw new CommandFailed('Blank passwords aren\'t allowed.');
  }
  const problems = validatePassword(password, owner);
  if (problems.length > 0) {
    printProblems(problems);
    throw new CommandFailed('the password was refused');
  }
  return password;
}
