/**
 * The command line of every subcommand, read by Node's `util.parseArgs` from options built out
 * of the settings declarations (src/settings/declarations.ts) and the command's own extras.
 * Only the tokens come from Node; the messages (with "did you mean") are ours.
 */
import { parseArgs as nodeParseArgs, type ParseArgsConfig } from 'node:util';
import { DECLARATIONS } from '../settings/declarations.js';
import type { CliValues } from '../settings/load.js';
import { nearest } from '../settings/nearest.js';
import type { Settings } from '../settings/schema.js';
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

/** Which settings a command takes flags for: all of them, or the named ones. */
export type SettingFlags = 'all' | readonly (keyof Settings)[];

/** The parsed command line: setting values, extra options, positionals, and --config. */
export interface ParsedArgs {
  settings: CliValues;
  extras: Record<string, string | boolean | string[]>;
  positionals: string[];
  configPath?: string;
  help: boolean;
}

/** What one option name (without the dashes) stands for. */
type Meaning =
  | { what: 'help' }
  | { what: 'config' }
  | { what: 'extra'; extra: ExtraOption }
  | { what: 'setting'; name: string; decl: SettingDecl; negated: boolean };

/** The settings (name, declaration) that have a flag and that `flags` selects. */
export function flaggedSettings(flags: SettingFlags | false): [string, SettingDecl][] {
  if (flags === false) {
    return [];
  }
  return (Object.entries(DECLARATIONS) as [string, SettingDecl][])
    .filter(([name, decl]) => decl.flag && (flags === 'all' || (flags as readonly string[]).includes(name)));
}

/** Node's option table and what each option means, for a command. */
function optionTable(extras: ExtraOption[], flags: SettingFlags | false): { options: NonNullable<ParseArgsConfig['options']>; meaning: Map<string, Meaning> } {
  const options: NonNullable<ParseArgsConfig['options']> = {
    help: { type: 'boolean', short: 'h' },
    config: { type: 'string', short: 'c' },
  };
  const meaning = new Map<string, Meaning>([['help', { what: 'help' }], ['config', { what: 'config' }]]);
  for (const extra of extras) {
    const key = extra.flag.replace(/^--/, '');
    options[key] = { type: extra.kind === 'boolean' ? 'boolean' : 'string', multiple: extra.kind === 'multi', ...(extra.short ? { short: extra.short.slice(1) } : {}) };
    meaning.set(key, { what: 'extra', extra });
  }
  for (const [name, decl] of flaggedSettings(flags)) {
    const key = (decl.flag as string).replace(/^--/, '');
    if (meaning.has(key)) {
      continue; // a command's own option wins over a setting of the same name
    }
    options[key] = { type: decl.type === 'boolean' ? 'boolean' : 'string', multiple: decl.type === 'list', ...(decl.short ? { short: decl.short.slice(1) } : {}) };
    meaning.set(key, { what: 'setting', name, decl, negated: false });
    if (decl.type === 'boolean') {
      options[`no-${key}`] = { type: 'boolean' };
      meaning.set(`no-${key}`, { what: 'setting', name, decl, negated: true });
    }
  }
  return { options, meaning };
}

/** "unrecognized option --wokers (did you mean --workers?)". */
function unknownOption(raw: string, options: NonNullable<ParseArgsConfig['options']>): UsageError {
  const flag = raw.split('=')[0];
  const near = flag.startsWith('--') ? nearest(flag.slice(2), Object.keys(options)) : null;
  return new UsageError(`unrecognized option ${flag}${near ? ` (did you mean --${near}?)` : ''}`);
}

/** Parses argv against the command's own options and the flags of the settings it takes. */
export function parseArgs(argv: string[], extras: ExtraOption[], flags: SettingFlags | false): ParsedArgs {
  const { options, meaning } = optionTable(extras, flags);
  const { tokens } = nodeParseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const out: ParsedArgs = { settings: {}, extras: {}, positionals: [], help: false };
  for (const token of tokens) {
    if (token.kind === 'positional') {
      out.positionals.push(token.value);
      continue;
    }
    if (token.kind === 'option-terminator') {
      continue;
    }
    const m = meaning.get(token.name);
    if (!m) {
      throw unknownOption(token.rawName, options);
    }
    const type = options[token.name].type;
    if (type === 'string' && token.value === undefined) {
      throw new UsageError(`${token.rawName} needs a value`);
    }
    if (type === 'boolean' && token.inlineValue) {
      throw new UsageError(`${token.rawName} takes no value`);
    }
    const value = token.value as string;
    if (m.what === 'help') {
      out.help = true;
    } else if (m.what === 'config') {
      out.configPath = value;
    } else if (m.what === 'extra') {
      const { extra } = m;
      out.extras[extra.flag] = extra.kind === 'boolean' ? true
        : extra.kind === 'multi' ? [...((out.extras[extra.flag] as string[] | undefined) ?? []), value] : value;
    } else if (m.decl.type === 'boolean') {
      out.settings[m.name] = m.negated ? 'false' : 'true';
    } else if (m.decl.type === 'list') {
      const prev = out.settings[m.name];
      out.settings[m.name] = [...(prev === undefined ? [] : Array.isArray(prev) ? prev : [prev]), value];
    } else {
      out.settings[m.name] = value;
    }
  }
  return out;
}
