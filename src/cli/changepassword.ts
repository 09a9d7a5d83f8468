import { userInfo } from 'node:os';
import { setPassword, userNamed } from '../auth/accounts.js';
import type { Command } from './command.js';
import { askNewPassword, givenPassword, withDatabase } from './db-command.js';
import { Prompter } from './prompt.js';
import { UsageError } from './args.js';

/** `oq-webui changepassword [USERNAME]`: sets a user's password; their sessions end. */
export const changepasswordCommand: Command = {
  usage: 'oq-webui changepassword [USERNAME] [--password-stdin]',
  withSettings: true,
  settingFlags: ['DATABASE', 'DATA_DIR'],
  extras: [
    { flag: '--password-stdin', kind: 'boolean', help: 'Read the new password from the first line of stdin instead of asking.' },
  ],
  run: (args) => {
    if (args.positionals.length > 1) {
      throw new UsageError('give at most one USERNAME');
    }
    const username = args.positionals[0] ?? userInfo().username;
    return withDatabase(args, async ({ models }) => {
      const user = await userNamed(models, username);
      const prompter = new Prompter();
      let password: string;
      try {
        if (args.extras['--password-stdin']) {
          password = await givenPassword(await prompter.nextLine(), { username, email: user.email });
        } else {
          process.stdout.write(`Changing password for user '${username}'\n`);
          password = await askNewPassword(prompter, { username, email: user.email });
        }
      } finally {
        prompter.close();
      }
      await setPassword(models, user, password);
      process.stdout.write(`Password changed successfully for user '${username}'\n`);
      return 0;
    });
  },
};
