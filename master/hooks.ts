import type { MasterLogs } from '../src/logging/master-logger.js';
import type { Settings } from '../src/settings/schema.js';
import type { ChildKind } from './kinds.js';
import type { Listener } from './listeners.js';

/**
 * Where the outside may hook into the master's life (systemd notify, for one). Each is called
 * from the loop, after the master's own work for that moment is done.
 */
export interface ArbiterHooks {
  /** The first generation is all ready (called once). */
  ready?: () => void;
  /** A HUP was accepted: new settings, a new generation is starting. */
  reloading?: () => void;
  /** The reload is over: `ok` false when the new generation failed and the old one goes on. */
  reloaded?: (ok: boolean) => void;
  /** The master is stopping (TERM, INT, QUIT, or a halt). */
  stopping?: () => void;
  /** A HUP was refused (invalid settings): the old generation goes on. */
  refused?: (reason: string) => void;
  /** A pass of the loop ended without an error (feeds the systemd watchdog). */
  passed?: () => void;
}

/** What the master needs from the outside: settings (re-read on HUP), sockets, logs. */
export interface ArbiterOptions {
  settings: Settings;
  reloadSettings: () => { settings: Settings | null; problems: string[] };
  listeners: Listener[];
  logs: MasterLogs;
  kinds: ChildKind[];
  /** Called once when the master starts to stop: close the listening sockets (stop accepting). */
  stopAccepting: () => void;
  /** Called when the master is about to exit (pidfile, control socket). */
  onExit: () => Promise<void>;
  hooks?: ArbiterHooks;
}
