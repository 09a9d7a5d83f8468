/** The kinds of value a setting can hold, and how one is declared. */
export type SettingType = 'string' | 'int' | 'number' | 'boolean' | 'list' | 'enum' | 'json-list' | 'path';

/** Where an effective value came from, for `oq-webui check`. */
export type Source = 'default' | 'file' | 'env' | 'cli';

/** One setting: its name, how it is given on each channel, its type, default and help. */
export interface SettingDecl<T = unknown> {
  /** Long command-line flag of `oq-webui start`, e.g. `--workers`. */
  flag?: string;
  /** Short flag, e.g. `-w`. */
  short?: string;
  /** Environment variable; `OQ_WEBUI_<NAME>` when not given, `null` for none. */
  env?: string | null;
  type: SettingType;
  /** Allowed values for `enum`. */
  choices?: readonly string[];
  /** Inclusive lower bound for numbers. */
  min?: number;
  /** The default, or a function of the other (already resolved) settings. */
  default: T | ((s: Settings) => T);
  /** Shown by `--help`, in the docs and by `check`. */
  help: string;
  /** What the value looks like in help text, e.g. `HOST:PORT`. */
  metavar?: string;
  /** Masked by `check`. */
  secret?: boolean;
  /** Extra validation: returns what is expected when the value is wrong. */
  validate?: (value: T) => string | undefined;
  /** Group in `--help` and the docs. */
  section: 'server' | 'logging' | 'accounts' | 'calculations';
}

import type { Settings } from './schema.js';
export type { Settings };
