import { settingsReference } from './help.js';
import type { Command } from './command.js';

/** `oq-webui settings`: the reference of every setting, as Markdown (docs/settings.md is made from it). */
export const settingsCommand: Command = {
  usage: 'oq-webui settings',
  withSettings: false,
  extras: [],
  async run() {
    process.stdout.write(`# oq-webui settings\n\n${settingsReference()}\n`);
    return 0;
  },
};
