import type { ExtraOption, ParsedArgs, SettingFlags } from './args.js';

/** One `oq-webui` subcommand (its name and summary are in main.ts's table, so --help loads nothing). */
export interface Command {
  usage: string;
  /** Whether settings' flags (--workers, --bind, ...) are accepted at all. */
  withSettings: boolean;
  /** Which settings' flags, when not all of them (its --help lists only these). */
  settingFlags?: SettingFlags;
  extras: ExtraOption[];
  /** Longer text printed after the options in --help. */
  epilog?: string;
  run(args: ParsedArgs): Promise<number>;
}

/** The settings' flags a command takes (false: none). */
export function settingFlagsOf(c: Command): SettingFlags | false {
  return c.withSettings ? (c.settingFlags ?? 'all') : false;
}
