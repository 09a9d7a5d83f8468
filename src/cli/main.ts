import { packageVersion } from '../paths.js';
import { parseArgs, UsageError } from './args.js';
import { changepasswordCommand } from './changepassword.js';
import { checkCommand } from './check.js';
import type { Command } from './command.js';
import { createsuperuserCommand } from './createsuperuser.js';
import { createuserCommand } from './createuser.js';
import { optionsHelp } from './help.js';
import { migrateCommand } from './migrate.js';
import { settingsCommand } from './settings-doc.js';
import { startCommand } from './start.js';
import { statusCommand } from './status.js';

/** Every subcommand, in the order --help lists them. */
export const COMMANDS: Command[] = [
  startCommand, checkCommand, statusCommand, settingsCommand,
  migrateCommand, createsuperuserCommand, createuserCommand, changepasswordCommand,
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
    '',
    `Options of start, check and status (${'`'}oq-webui settings${'`'} lists every setting, flag or not):`,
    '',
    optionsHelp([], true),
  ];
  return lines.join('\n');
}

function commandHelp(c: Command): string {
  return [`Usage: ${c.usage}`, '', c.summary, '', optionsHelp(c.extras, c.withSettings), ...(c.epilog ? ['', c.epilog] : [])].join('\n');
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
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`oq-webui: unknown command ${JSON.stringify(name)}\n\n${mainHelp()}\n`);
    return 2;
  }
  try {
    const args = parseArgs(rest, command.extras, command.withSettings);
    if (args.help) {
      process.stdout.write(`${commandHelp(command)}\n`);
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
