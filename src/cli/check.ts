import { CONFIG_ERROR, START_ERROR } from '../ipc/protocol.js';
import { DECLARATIONS } from '../settings/declarations.js';
import { resolveSettings } from '../settings/load.js';
import type { SettingDecl } from '../settings/types.js';
import { engineVersion } from '../runner/engine-version.js';
import { probeBridge } from '../bridge/probe.js';
import { extraChecks, findProgram, type Finding } from './extra-checks.js';
import type { Command } from './command.js';

function mask(decl: SettingDecl, value: unknown): string {
  if (decl.secret) {
    return value ? '********' : '(unset: generated and kept beside the database)';
  }
  return JSON.stringify(value);
}

/**
 * `oq-webui check`: the effective settings, where each came from, and every problem found.
 * Its exit status is the one `start` would have for the same problem: 2 for invalid settings,
 * 1 for what stops a start (a folder that cannot be written), 0 when only warnings remain.
 */
export const checkCommand: Command = {
  usage: 'oq-webui check [options]',
  withSettings: true,
  extras: [],
  epilog: 'Exit status: 0 no problem or only warnings, 1 start would fail (e.g. a folder it cannot write), 2 invalid settings (as start).',
  async run(args) {
    const r = resolveSettings({ cli: args.settings, configPath: args.configPath });
    process.stdout.write(`Settings file: ${r.configFile}\n\n`);
    const width = Math.max(...Object.keys(DECLARATIONS).map((n) => n.length));
    for (const [name, d] of Object.entries(DECLARATIONS)) {
      const value = (r.settings as unknown as Record<string, unknown>)[name];
      process.stdout.write(`${name.padEnd(width)}  ${mask(d as SettingDecl, value)}  (${r.sources[name]})\n`);
    }
    // the engine's version command (`oq --version`): the version found, or exactly what failed
    // (not asked when the program itself is missing: engineProgram's warning says that once)
    const engineFound = findProgram(r.settings.ENGINE_COMMAND[0] ?? '') !== null;
    const engine = r.problems.length === 0 && engineFound ? await engineVersion(r.settings.ENGINE_COMMAND) : null;
    if (engine?.ok) {
      process.stdout.write(`\nOpenQuake Engine ${engine.version} (${engine.argv.join(' ')})\n`);
    }
    // a PostgreSQL DATABASE: reachable and migrated, or what is wrong (SQLite's checks are in extraChecks)
    const database = r.problems.length === 0 ? await (await import('../db/postgres.js')).postgresState(r.settings.DATABASE) : null;
    if (database?.ok) {
      process.stdout.write(`\nDatabase: ${database.text}\n`);
    }
    // the engine bridge: the engine's Python, which extract and the other engine routes need
    const bridge = r.problems.length === 0 ? await probeBridge(r.settings) : null;
    if (bridge?.ok) {
      process.stdout.write(`Engine bridge: ${bridge.python} runs OpenQuake Engine ${bridge.version}\n`);
    }
    const found: Finding[] = [
      ...r.problems.map((text): Finding => ({ level: 'error', text })),
      ...(r.problems.length === 0 ? await extraChecks(r.settings) : []),
      ...(engine !== null && !engine.ok ? [{ level: 'warning', text: engine.problem } as Finding] : []),
      ...(database !== null && !database.ok ? [{ level: 'error', text: database.problem } as Finding] : []),
      ...(bridge !== null && !bridge.ok ? [{ level: 'warning', text: bridge.problem } as Finding] : []),
    ];
    if (found.length === 0) {
      process.stdout.write('\nNo problems found.\n');
      return 0;
    }
    const errors = found.filter((f) => f.level === 'error').length;
    const warnings = found.length - errors;
    process.stdout.write(`\n${[errors ? `${errors} problem(s)` : '', warnings ? `${warnings} warning(s)` : ''].filter(Boolean).join(', ')}:\n`);
    for (const f of found) {
      process.stdout.write(`${f.level === 'error' ? 'Error' : 'Warning'}: ${f.text}\n`);
    }
    return r.problems.length > 0 ? CONFIG_ERROR : errors > 0 ? START_ERROR : 0;
  },
};
