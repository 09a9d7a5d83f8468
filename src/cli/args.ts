import { DECLARATIONS } from '../settings/declarations.js';
import type { CliValues } from '../settings/load.js';
import type { SettingDecl } from '../settings/types.js';

/** A usage error: the CLI prints it and exits with status 2. */
export class UsageError extends Error {}

/** Command-line options of a subcommand that are not settings (e.g. --username). */
export interface ExtraOption {
  flag: string;
  short?: string;
  /** 'boolean' takes no value; 'multi' may repeat. */
  kind: 'string' | 'boolean' | 'multi';
  help: string;
  metavar?: string;
}

/** The parsed command line: setting values, extra options, positionals, and --config. */
export interface ParsedArgs {
  settings: CliValues;
  extras: Record<string, string | boolean | string[]>;
  positionals: string[];
  configPath?: string;
  help: boolean;
}

function settingByFlag(flag: string): [string, SettingDecl] | undefined {
  for (const [name, d] of Object.entries(DECLARATIONS)) {
    const decl = d as SettingDecl;
    if (decl.flag === flag || decl.short === flag) {
      return [name, decl];
    }
  }
  return undefined;
}

/** Parses argv against the settings' flags (when `withSettings`) and the command's extra options. */
export function parseArgs(argv: string[], extras: ExtraOption[], withSettings: boolean): ParsedArgs {
  const out: ParsedArgs = { settings: {}, extras: {}, positionals: [], help: false };
  let i = 0;
  const takeValue = (flag: string, inline: string | undefined): string => {
    if (inline !== undefined) {
      return inline;
    }
    i += 1;
    if (i >= argv.length) {
      throw new UsageError(`${flag} needs a value`);
    }
    return argv[i];
  };
  for (; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      out.positionals.push(arg);
      continue;
    }
    let flag = arg;
    let inline: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      flag = arg.slice(0, eq);
      inline = arg.slice(eq + 1);
    } else if (!arg.startsWith('--') && arg.length > 2) {
      flag = arg.slice(0, 2);
      inline = arg.slice(2);
    }
    if (flag === '-h' || flag === '--help') {
      out.help = true;
      continue;
    }
    if (flag === '-c' || flag === '--config') {
      out.configPath = takeValue(flag, inline);
      continue;
    }
    const extra = extras.find((e) => e.flag === flag || e.short === flag);
    if (extra) {
      if (extra.kind === 'boolean') {
        out.extras[extra.flag] = true;
      } else if (extra.kind === 'multi') {
        const prev = (out.extras[extra.flag] as string[] | undefined) ?? [];
        out.extras[extra.flag] = [...prev, takeValue(flag, inline)];
      } else {
        out.extras[extra.flag] = takeValue(flag, inline);
      }
      continue;
    }
    if (withSettings) {
      const negated = flag.startsWith('--no-') ? settingByFlag(`--${flag.slice(5)}`) : undefined;
      if (negated && negated[1].type === 'boolean') {
        out.settings[negated[0]] = 'false';
        continue;
      }
      const found = settingByFlag(flag);
      if (found) {
        const [name, decl] = found;
        if (decl.type === 'boolean') {
          out.settings[name] = inline ?? 'true';
        } else if (decl.type === 'list') {
          const prev = out.settings[name];
          const value = takeValue(flag, inline);
          out.settings[name] = prev === undefined ? [value] : [...(Array.isArray(prev) ? prev : [prev]), value];
        } else {
          out.settings[name] = takeValue(flag, inline);
        }
        continue;
      }
    }
    throw new UsageError(`unrecognized option ${flag}`);
  }
  return out;
}
