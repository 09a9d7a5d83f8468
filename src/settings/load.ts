import { existsSync, readFileSync } from 'node:fs';
import stripJsonComments from 'strip-json-comments';
import { isAbsolute, join, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../paths.js';
import { DECLARATIONS, envName } from './declarations.js';
import { nearest } from './nearest.js';
import { parseValue } from './parse-value.js';
import type { Settings } from './schema.js';
import type { SettingDecl, Source } from './types.js';

/** What resolving the settings produced: values, where each came from, and every problem. */
export interface Resolved {
  settings: Settings;
  sources: Record<string, Source>;
  problems: string[];
  configFile: string | null;
}

/** Raw values from the command line, by setting name (repeated flags give arrays). */
export type CliValues = Record<string, string | string[]>;

/** The default path of the local settings file. */
export const DEFAULT_CONFIG = join(PACKAGE_ROOT, 'config', 'local_settings.json');

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
}

/** The declared setting closest to a misspelt key, if one is close enough. */
function closestName(key: string): string | null {
  return nearest(key.toUpperCase(), Object.keys(DECLARATIONS));
}

function readConfigFile(path: string, explicit: boolean, problems: string[]): Record<string, unknown> {
  if (!existsSync(path)) {
    if (explicit) {
      problems.push(`config: ${path} does not exist`);
    }
    return {};
  }
  let text = '';
  try {
    text = stripJsonComments(readFileSync(path, 'utf8'));
    const data: unknown = JSON.parse(text);
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      problems.push(`config: ${path} must hold a JSON object of settings`);
      return {};
    }
    return data as Record<string, unknown>;
  } catch (e) {
    problems.push(`config: ${path} is not valid JSON: ${whereInText(text, (e as Error).message)}`);
    return {};
  }
}

/**
 * JSON.parse's message with its character position given as line and column, as an editor shows
 * them (the comments were blanked out, not removed, so positions are those of the file).
 */
export function whereInText(text: string, message: string): string {
  const m = / in JSON at position (\d+)/.exec(message);
  const end = /^Unexpected end of JSON input/.test(message);
  if (m === null && !end) {
    return message;
  }
  const offset = m === null ? text.length : Number(m[1]);
  const before = text.slice(0, offset).split(/\r\n|\n|\r/);
  const at = `at line ${before.length}, column ${before[before.length - 1].length + 1}`;
  return m === null ? `${message} ${at} (the end of the file)` : message.replace(m[0], ` ${at}`);
}

/** Resolves every setting: command line > environment > local settings file > defaults. */
export function resolveSettings(opts: { cli?: CliValues; env?: NodeJS.ProcessEnv; configPath?: string }): Resolved {
  const env = opts.env ?? process.env;
  const cli = opts.cli ?? {};
  const problems: string[] = [];
  const explicitConfig = opts.configPath ?? env.OQ_WEBUI_CONFIG;
  const configFile = resolve(explicitConfig ?? DEFAULT_CONFIG);
  const file = readConfigFile(configFile, explicitConfig !== undefined, problems);
  for (const key of Object.keys(file)) {
    if (!(key in DECLARATIONS)) {
      const near = closestName(key);
      problems.push(`${key}: unknown setting, got ${show(file[key])} (from ${configFile}); expected one of the settings \`oq-webui settings\` lists${near ? ` (did you mean ${near}?)` : ''}`);
    }
  }
  const settings: Record<string, unknown> = {};
  const sources: Record<string, Source> = {};
  for (const [name, d] of Object.entries(DECLARATIONS)) {
    const decl = d as SettingDecl;
    const envVar = envName(name, decl);
    let raw: unknown;
    let source: Source = 'default';
    if (cli[name] !== undefined) {
      const v = cli[name];
      raw = Array.isArray(v) && decl.type !== 'list' ? v[v.length - 1] : Array.isArray(v) ? v.join(',') : v;
      source = 'cli';
    } else if (envVar && env[envVar] !== undefined && env[envVar] !== '') {
      raw = env[envVar];
      source = 'env';
    } else if (name in file) {
      raw = file[name];
      source = 'file';
    }
    if (source === 'default') {
      settings[name] = typeof decl.default === 'function' ? (decl.default as (s: Settings) => unknown)(settings as unknown as Settings) : decl.default;
    } else {
      const parsed = parseValue(decl, raw, source !== 'file');
      if (parsed.ok) {
        settings[name] = decl.type === 'path' && typeof parsed.value === 'string' && parsed.value !== '' && !isAbsolute(parsed.value)
          ? resolve(parsed.value)
          : parsed.value;
      } else {
        const where = source === 'cli' ? `--${decl.flag?.replace(/^--/, '') ?? name}` : source === 'env' ? `$${envVar}` : configFile;
        const given = decl.secret ? `a secret of ${String(raw).length} character(s)` : show(raw);
        problems.push(`${name}: got ${given} (from ${where}); expected ${parsed.expected}`);
        settings[name] = typeof decl.default === 'function' ? (decl.default as (s: Settings) => unknown)(settings as unknown as Settings) : decl.default;
      }
    }
    sources[name] = source;
  }
  if (settings.APPLICATION_MODE === 'RESTRICTED' && settings.LOCKDOWN !== true) {
    settings.LOCKDOWN = true;
  }
  return { settings: settings as unknown as Settings, sources, problems, configFile };
}
