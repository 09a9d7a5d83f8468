import { createAccount } from '../auth/accounts.js';
import { groupsNamedIn } from '../data/groups.js';
import type { Command } from './command.js';
import { askNewPassword, givenPassword, withDatabase } from './db-command.js';
import { Prompter } from './prompt.js';
import { UsageError } from './args.js';

/** `oq-webui createuser USERNAME`: a local account, with groups (created if missing). */
export const createuserCommand: Command = {
  usage: 'oq-webui createuser USERNAME [--email E] [--superuser] [--staff] [--group NAME ...] [--level 0|1|2] [--password-stdin | --no-password]',
  withSettings: true,
  settingFlags: ['DATABASE', 'DATA_DIR'],
  extras: [
    { flag: '--email', kind: 'string', metavar: 'EMAIL', help: 'The email address.' },
    { flag: '--superuser', kind: 'boolean', help: 'Make the user a superuser (sees every calculation, may grant privileges).' },
    { flag: '--staff', kind: 'boolean', help: 'Make the user staff (may administer users and groups).' },
    { flag: '--group', kind: 'multi', metavar: 'NAME', help: 'Put the user in this group (created if missing); repeat for several.' },
    { flag: '--level', kind: 'string', metavar: 'N', help: 'The user level of the original WebUI: 0 view only, 1 simplified, 2 advanced (the default; needed to share, tag, and extract everything).' },
    { flag: '--password-stdin', kind: 'boolean', help: 'Read the password from the first line of stdin instead of asking.' },
    { flag: '--no-password', kind: 'boolean', help: 'No local password (a PAM user put in groups before their first login).' },
  ],
  run: (args) => {
    const [username, ...more] = args.positionals;
    if (!username || more.length > 0) {
      throw new UsageError('give exactly one USERNAME');
    }
    if (args.extras['--password-stdin'] && args.extras['--no-password']) {
      throw new UsageError('--password-stdin and --no-password exclude each other');
    }
    const levelText = (args.extras['--level'] as string | undefined) ?? '2';
    if (!/^[012]$/.test(levelText)) {
      throw new UsageError('--level is 0 (view only), 1 (simplified) or 2 (advanced)');
    }
    return withDatabase(args, async ({ models }) => {
      const email = (args.extras['--email'] as string | undefined) ?? '';
      const groups = (args.extras['--group'] as string[] | undefined) ?? [];
      let password: string | null = null;
      if (!args.extras['--no-password']) {
        const prompter = new Prompter();
        try {
          password = args.extras['--password-stdin']
            ? await givenPassword(await prompter.nextLine(), { username, email })
            : await askNewPassword(prompter, { username, email });
        } finally {
          prompter.close();
        }
      }
      const existing = new Set((await groupsNamedIn(models, groups)).map((g) => g.name));
      const user = await createAccount(models, {
        username, email, password, groups,
        isStaff: args.extras['--staff'] === true || args.extras['--superuser'] === true,
        isSuperuser: args.extras['--superuser'] === true,
        level: Number(levelText),
      }, { createGroups: true });
      for (const g of groups.filter((name) => !existing.has(name))) {
        process.stdout.write(`Created group "${g}".\n`);
      }
      const yes = (b: boolean): string => (b ? 'yes' : 'no');
      process.stdout.write(`User "${user.username}" created (staff: ${yes(user.isStaff)}, superuser: ${yes(user.isSuperuser)}, level: ${user.level}, password: ${yes(password !== null)}, groups: ${groups.join(', ') || 'none'}).\n`);
      return 0;
    });
  },
};
