import { PACKAGE_ROOT } from '../paths.js';
import { DECLARATIONS, envName } from '../settings/declarations.js';
import type { SettingDecl } from '../settings/types.js';
import { flaggedSettings, type ExtraOption, type SettingFlags } from './args.js';

function wrap(text: string, indent: number, width = 100): string {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width - indent) {
      lines.push(line);
      line = w;
    } else {
      line = line ? `${line} ${w}` : w;
    }
  }
  if (line) {
    lines.push(line);
  }
  return lines.join(`\n${' '.repeat(indent)}`);
}

/** A default as shown to people: paths inside the installation relative to it (logs, data). */
function shownDefault(value: unknown): string {
  return JSON.stringify(value).replaceAll(`${PACKAGE_ROOT}/`, '');
}

function defaultText(decl: SettingDecl): string {
  if (typeof decl.default === 'function') {
    return 'computed, see the text';
  }
  return shownDefault(decl.default);
}

/** An option line: the flags, then the help from column 30 (on the next line when the flags are too long for two spaces between). */
function column(head: string, body: string): string {
  return `${head.padEnd(30)}${head.length > 27 ? `\n${' '.repeat(30)}` : ''}${wrap(body, 30)}`;
}

/** The option lines of one setting, as --help shows them. */
function settingLine(name: string, decl: SettingDecl): string {
  const meta = decl.type === 'boolean' ? '' : ` ${decl.metavar ?? (decl.type === 'int' ? 'INT' : 'VALUE')}`;
  const flags = [decl.short, decl.flag].filter(Boolean).join(', ');
  const neg = decl.type === 'boolean' ? `, --no-${decl.flag?.slice(2)}` : '';
  const env = envName(name, decl);
  const head = `  ${flags}${neg}${meta}`;
  const body = `${decl.help} [${name}${env ? `, $${env}` : ''}; default ${defaultText(decl)}]`;
  return column(head, body);
}

/** The options section of a command's --help: its own options, then the flags of the settings it takes. */
export function optionsHelp(extras: ExtraOption[], flags: SettingFlags | false): string {
  const lines: string[] = ['Options:'];
  for (const e of extras) {
    const head = `  ${[e.short, e.flag].filter(Boolean).join(', ')}${e.kind === 'boolean' ? '' : ` ${e.metavar ?? 'VALUE'}`}`;
    lines.push(column(head, e.help));
  }
  lines.push(`${'  -c, --config PATH'.padEnd(30)}${wrap('The local settings file (JSON, comments allowed) [$OQ_WEBUI_CONFIG; default config/local_settings.json].', 30)}`);
  lines.push(`${'  -h, --help'.padEnd(30)}Show this help and exit.`);
  const settings = flaggedSettings(flags);
  if (settings.length > 0) {
    lines.push('', flags === 'all'
      ? 'Settings with a flag (also settable in the settings file by NAME, or by $ENV):'
      : 'Settings (also settable in the settings file by NAME, or by $ENV):');
    for (const [name, decl] of settings) {
      lines.push(settingLine(name, decl));
    }
  }
  return lines.join('\n');
}

/** The reference of every setting (the docs and `oq-webui settings` print it). */
export function settingsReference(): string {
  const out: string[] = [];
  const entries = Object.entries(DECLARATIONS) as [string, SettingDecl][];
  const sections = [...new Set(entries.map(([, d]) => d.section))];
  for (const section of sections) {
    out.push('', `## ${section}`, '', '| Name | Flag | Env | Type | Default | Meaning |', '|---|---|---|---|---|---|');
    for (const [name, decl] of entries.filter(([, d]) => d.section === section)) {
    const env = envName(name, decl);
    const type = decl.type === 'enum' ? (decl.choices ?? []).join(' / ') : decl.type;
    out.push(`| \`${name}\` | ${decl.flag ? `\`${[decl.short, decl.flag].filter(Boolean).join(', ')}\`` : ''} | ${env ? `\`${env}\`` : ''} | ${type} | ${typeof decl.default === 'function' ? '(computed)' : `\`${shownDefault(decl.default)}\``} | ${decl.help.replace(/\|/g, '\\|')} |`);
    }
  }
  return out.join('\n').trim();
}
