import { packageVersion } from '../paths.js';
import { nearest } from '../settings/nearest.js';
import { parseArgs, UsageError } from './args.js';
import { settingFlagsOf, type Command } from './command.js';
import { optionsHelp } from './help.js';

/** A subcommand as --help lists it; its module is loaded only to run it (the master stays small). */
interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<Command>;
}

/** Every subcommand, in the order --help lists them. */
export const COMMANDS: CommandEntry[] = [
  { name: 'start', summary: 'Start the server: a master that supervises N HTTP workers and the job runner.', load: async () => (await import('./start.js')).startCommand },
  { name: 'check', summary: 'Print the effective settings (secrets masked) with their source, every problem and warning; exit 2 invalid, 1 start would fail, 0 otherwise.', load: async () => (await import('./check.js')).checkCommand },
  { name: 'status', summary: 'Ask the running master (through the pidfile\'s control socket) for one row per worker.', load: async () => (await import('./status.js')).statusCommand },
  { name: 'settings', summary: 'Print the reference of every setting (name, flag, env variable, type, default, meaning) as Markdown.', load: async () => (await import('./settings-doc.js')).settingsCommand },
  { name: 'migrate', summary: 'Create the database if needed and apply pending migrations (safe to re-run).', load: async () => (await import('./migrate.js')).migrateCommand },
  { name: 'createsuperuser', summary: 'Create a superuser: asks username, email and password (hidden, twice), or --noinput.', load: async () => (await import('./createsuperuser.js')).createsuperuserCommand },
  { name: 'createuser', summary: 'Create a user: password asked (hidden, twice) or read from stdin; staff, superuser, groups.', load: async () => (await import('./createuser.js')).createuserCommand },
  { name: 'collectstatic', summary: 'Copy the pages\' static files (styles, scripts, icons) into STATIC_ROOT for nginx; safe to re-run.', load: async () => (await import('./collectstatic.js')).collectstaticCommand },
  { name: 'changepassword', summary: 'Change a user\'s password (asked hidden, twice, or read from stdin); logs them out everywhere.', load: async () => (await import('./changepassword.js')).changepasswordCommand },
];

function mainHelp(): string {
  const lines = [
    `oq-webui ${packageVersion()}: the OpenQuake Engine WebUI server.`,
    '',
    'Usage: oq-webui COMMAND [options]     (oq-webui COMMAND --help for its options)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(16)}${c.summary}`),
    '',
    'Settings come from, in order of precedence: the command line, the environment,',
    'the local settings file (config/local_settings.json, or --config / $OQ_WEBUI_CONFIG), the defaults.',
    'Each command\'s --help lists its options; `oq-webui settings` lists every setting.',
  ];
  return lines.join('\n');
}

function commandHelp(entry: CommandEntry, c: Command): string {
  return [`Usage: ${c.usage}`, '', entry.summary, '', optionsHelp(c.extras, settingFlagsOf(c)), ...(c.epilog ? ['', c.epilog] : [])].join('\n');
}

/** Runs `oq-webui ARGV...`; resolves with the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(`${mainHelp()}\n`);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    const near = nearest(name, COMMANDS.map((c) => c.name));
    process.stderr.write(`oq-webui: unknown command ${JSON.stringify(name)}${near ? ` (did you mean ${near}?)` : ''}; see oq-webui --help\n`);
    return 2;
  }
  const command = await entry.load();
  try {
    const args = parseArgs(rest, command.extras, settingFlagsOf(command));
    if (args.help) {
      process.stdout.write(`${commandHelp(entry, command)}\n`);
      return 0;
    }
    return await command.run(args);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`oq-webui ${name}: ${e.message}\n(see oq-webui ${name} --help)\n`);
      return 2;
    }
    throw e;
  }
}
