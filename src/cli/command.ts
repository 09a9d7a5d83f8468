import type { ExtraOption, ParsedArgs } from './args.js';

/** One `oq-webui` subcommand. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Whether the settings' flags (--workers, --bind, ...) are accepted. */
  withSettings: boolean;
  extras: ExtraOption[];
  /** Longer text printed after the options in --help. */
  epilog?: string;
  run(args: ParsedArgs): Promise<number>;
}
