import type { ExtraOption, ParsedArgs } from './args.js';

/** One `oq-webui` subcommand (its name and summary are in main.ts's table, so --help loads nothing). */
export interface Command {
  usage: string;
  /** Whether the settings' flags (--workers, --bind, ...) are accepted. */
  withSettings: boolean;
  extras: ExtraOption[];
  /** Longer text printed after the options in --help. */
  epilog?: string;
  run(args: ParsedArgs): Promise<number>;
}
