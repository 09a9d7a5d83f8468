import { DECLARATIONS } from '../settings/declarations.js';
import { resolveSettings } from '../settings/load.js';
import type { SettingDecl } from '../settings/types.js';
import { extraChecks } from './extra-checks.js';
import type { Command } from './command.js';

function mask(decl: SettingDecl, value: unknown): string {
  if (decl.secret) {
    return value ? '********' : '(unset: generated and kept beside the database)';
  }
  return JSON.stringify(value);
}

/** `oq-webui check`: the effective settings, where each came from, and every problem found. */
export const checkCommand: Command = {
  usage: 'oq-webui check [options]',
  withSettings: true,
  extras: [],
  async run(args) {
    const r = resolveSettings({ cli: args.settings, configPath: args.configPath });
    process.stdout.write(`Settings file: ${r.configFile}\n\n`);
    const width = Math.max(...Object.keys(DECLARATIONS).map((n) => n.length));
    for (const [name, d] of Object.entries(DECLARATIONS)) {
      const value = (r.settings as unknown as Record<string, unknown>)[name];
      process.stdout.write(`${name.padEnd(width)}  ${mask(d as SettingDecl, value)}  (${r.sources[name]})\n`);
    }
    const problems = [...r.problems, ...(r.problems.length === 0 ? await extraChecks(r.settings) : [])];
    if (problems.length === 0) {
      process.stdout.write('\nNo problems found.\n');
      return 0;
    }
    process.stdout.write(`\n${problems.length} problem(s):\n`);
    for (const p of problems) {
      process.stdout.write(`Error: ${p}\n`);
    }
    return 1;
  },
};
