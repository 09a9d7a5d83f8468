import { userInfo } from 'node:os';
import { checkEmail, checkUsername, createAccount } from '../auth/accounts.js';
import { HttpError } from '../errors.js';
import { usernameTaken } from '../data/users.js';
import type { AccountModels } from '../db/models/index.js';
import type { Command } from './command.js';
import { askNewPassword, givenPassword, withDatabase } from './db-command.js';
import { Prompter } from './prompt.js';

/** Where --noinput takes the password from (Django's is DJANGO_SUPERUSER_PASSWORD). */
export const SUPERUSER_PASSWORD_ENV = 'OQ_WEBUI_SUPERUSER_PASSWORD';

function defaultUsername(): string {
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}

/** Asks until the answer passes `check`, printing each refusal. */
async function askValid(prompter: Prompter, question: string, check: (answer: string) => Promise<void> | void, fallback = ''): Promise<string> {
  for (;;) {
    const answer = (await prompter.ask(question)).trim() || fallback;
    try {
      await check(answer);
      return answer;
    } catch (e) {
      if (!(e instanceof HttpError)) {
        throw e;
      }
      process.stderr.write(`Error: ${e.message}\n`);
    }
  }
}

async function usernameFree(models: AccountModels, username: string): Promise<void> {
  checkUsername(username);
  if (await usernameTaken(models, username)) {
    throw new HttpError(409, 'That username is already taken.');
  }
}

/** `oq-webui createsuperuser`: interactive, or --noinput with the password from the environment. */
export const createsuperuserCommand: Command = {
  usage: 'oq-webui createsuperuser [--username U] [--email E] [--noinput] [--database URL] [-c CONFIG]',
  withSettings: true,
  settingFlags: ['DATABASE', 'DATA_DIR'],
  extras: [
    { flag: '--username', kind: 'string', metavar: 'USERNAME', help: 'The login name (asked when not given).' },
    { flag: '--email', kind: 'string', metavar: 'EMAIL', help: 'The email address (asked when not given).' },
    { flag: '--noinput', kind: 'boolean', help: `Ask nothing: needs --username; the password comes from $${SUPERUSER_PASSWORD_ENV} (unset: the account gets no password).` },
    { flag: '--no-input', kind: 'boolean', help: 'Same as --noinput.' },
  ],
  epilog: `Non-interactive example:\n  ${SUPERUSER_PASSWORD_ENV}='...' oq-webui createsuperuser --noinput --username admin --email admin@example.com`,
  run: (args) => withDatabase(args, async ({ models }) => {
    const noinput = args.extras['--noinput'] === true || args.extras['--no-input'] === true;
    let username = args.extras['--username'] as string | undefined;
    let email = args.extras['--email'] as string | undefined;
    let password: string | null;
    if (noinput) {
      if (!username) {
        process.stderr.write('Error: You must use --username with --noinput.\n');
        return 1;
      }
      await usernameFree(models, username);
      checkEmail(email ?? '');
      const fromEnv = process.env[SUPERUSER_PASSWORD_ENV];
      password = fromEnv === undefined ? null : await givenPassword(fromEnv, { username, email });
      if (password === null) {
        process.stderr.write(`Warning: $${SUPERUSER_PASSWORD_ENV} is unset: the superuser has no password; set one with "oq-webui changepassword ${username}".\n`);
      }
    } else {
      const prompter = new Prompter();
      try {
        if (username) {
          await usernameFree(models, username);
        } else {
          const fallback = defaultUsername();
          username = await askValid(prompter, `Username${fallback ? ` (leave blank to use '${fallback}')` : ''}: `, (u) => usernameFree(models, u), fallback);
        }
        if (email === undefined) {
          email = await askValid(prompter, 'Email address: ', checkEmail);
        } else {
          checkEmail(email);
        }
        password = await askNewPassword(prompter, { username, email });
      } finally {
        prompter.close();
      }
    }
    await createAccount(models, { username, email: email ?? '', password, isStaff: true, isSuperuser: true });
    process.stdout.write('Superuser created successfully.\n');
    return 0;
  }),
};
