import { startMaster } from '../../master/main.js';
import type { Command } from './command.js';

/** `oq-webui start`: the master and its workers, in the foreground. */
export const startCommand: Command = {
  usage: 'oq-webui start [options]',
  withSettings: true,
  extras: [],
  epilog: [
    'Signals to the master:',
    '  HUP     reload: re-read the settings, start new workers, then gracefully stop the old ones',
    '          (invalid settings or new workers that fail to boot: the old workers keep serving)',
    '  TERM    graceful stop: finish in-flight requests (up to --graceful-timeout), then exit 0',
    '  INT, QUIT  quick stop',
    '  TTIN / TTOU  one worker more / one fewer (never below 1)',
    '  USR1    reopen the log files (after logrotate)',
    '',
    'Exit status: 0 stopped, 1 could not start (busy port, live pidfile), 2 invalid settings,',
    '3 a worker failed to boot, 4 the application failed to load.',
    '',
    'Production (as the seed documents it): oq-webui start --bind 127.0.0.1:8800 --workers 4 --timeout 1200',
  ].join('\n'),
  run: (args) => startMaster({ cli: args.settings, configPath: args.configPath }),
};
