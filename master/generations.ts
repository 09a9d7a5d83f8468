import type { Logger } from '../src/logging/levels.js';
import type { Settings } from '../src/settings/schema.js';
import type { ArbiterHooks } from './hooks.js';
import type { Child } from './child.js';
import type { ChildKind } from './kinds.js';

/** Settings the master applied once at start (its sockets, files, logs): a HUP cannot change them. */
const KEPT_UNTIL_RESTART = ['BIND', 'PIDFILE', 'CONTROL_SOCKET', 'LOG_DIR', 'ACCESS_LOG', 'WEBUI_ACCESS_LOG_DIR'] as const;

/** The settings a HUP read, with the master's own kept as they are (`warn` names each that changed). */
export function keepUntilRestart(current: Settings, read: Settings, warn: (line: string) => void): Settings {
  const settings: Settings = { ...read };
  for (const name of KEPT_UNTIL_RESTART) {
    if (JSON.stringify(read[name]) !== JSON.stringify(current[name])) {
      warn(`Reload: ${name} changed to ${JSON.stringify(read[name])}, but the master keeps ${JSON.stringify(current[name])} until it is restarted`);
    }
    (settings as unknown as Record<string, unknown>)[name] = current[name];
  }
  return settings;
}

/**
 * The settings a HUP read, ready to apply (`keepUntilRestart`), or null after logging why they
 * are refused (the old generation goes on with the old settings).
 */
export function readReload(
  current: Settings, read: { settings: Settings | null; problems: string[] }, log: Logger, hooks: ArbiterHooks,
): Settings | null {
  if (!read.settings) {
    for (const p of read.problems) {
      log.error(`Reload refused: ${p}`);
    }
    log.error('Reload refused: the settings are invalid; the running workers keep serving with the old settings.');
    hooks.refused?.('the settings are invalid (see the log); the running workers keep the old ones');
    return null;
  }
  return keepUntilRestart(current, read.settings, (line) => log.warning(line));
}

/** A pending HUP: the new generation replaces the old once all of it is ready. */
interface Reload {
  from: number;
  to: number;
  oldSettings: Settings;
}

/**
 * Reload by generations: a HUP starts generation N+1 beside N; the children of N (and those
 * recycling) are retired once every wanted child of N+1 is ready; a child of N+1 that fails to
 * boot rolls back to N (the old workers keep serving with the old settings).
 */
export class Generations {
  /** The generation new children belong to. */
  current = 1;
  private reload: Reload | null = null;

  /** Whether a reload is under way. */
  get reloading(): boolean {
    return this.reload !== null;
  }

  /** HUP: a new generation; `oldSettings` are those to go back to if it fails to boot. Returns its number. */
  begin(oldSettings: Settings): number {
    this.reload = { from: this.reload?.from ?? this.current, to: this.current + 1, oldSettings: this.reload?.oldSettings ?? oldSettings };
    this.current += 1;
    return this.current;
  }

  /** A child of the current generation that is not on its way out (stopping, recycling). */
  isCurrent(c: Child): boolean {
    return c.generation === this.current && c.state !== 'stopping' && !c.recycling;
  }

  /** The current children of one kind. */
  currentOf(kind: ChildKind, children: Iterable<Child>): Child[] {
    return [...children].filter((c) => c.kind === kind.name && this.isCurrent(c));
  }

  /** Children of `kind` to retire now: replaced ones (old generation, recycling), once `wanted` current ones are all ready. */
  replaced(kind: ChildKind, children: Iterable<Child>, wanted: number): Child[] {
    const all = [...children];
    const current = this.currentOf(kind, all);
    if (current.length < wanted || !current.every((c) => c.state === 'ready')) {
      return [];
    }
    return all.filter((c) => c.kind === kind.name && c.state !== 'stopping' && (c.generation !== this.current || c.recycling));
  }

  /** Whether every wanted child of every kind of the current generation is ready. */
  allReady(kinds: ChildKind[], children: Iterable<Child>, wanted: (k: ChildKind) => number): boolean {
    const all = [...children];
    return kinds.every((kind) => {
      const current = this.currentOf(kind, all);
      return current.length >= wanted(kind) && current.every((c) => c.state === 'ready');
    });
  }

  /** Ends the reload once no child of another generation is left; true when it just ended. */
  settle(children: Iterable<Child>): boolean {
    if (this.reload && ![...children].some((c) => c.generation !== this.current)) {
      this.reload = null;
      return true;
    }
    return false;
  }

  /**
   * A child failed while booting: if it belongs to the generation a reload is starting, the reload
   * is rolled back (returns the generation that failed and the settings to go back to); else null.
   */
  rollBack(child: Child): { failed: number; settings: Settings } | null {
    if (!this.reload || child.generation !== this.reload.to) {
      return null;
    }
    const { from, to, oldSettings } = this.reload;
    this.current = from;
    this.reload = null;
    return { failed: to, settings: oldSettings };
  }
}
