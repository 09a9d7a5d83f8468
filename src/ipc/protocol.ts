/**
 * The master/child protocol, both directions typed, and what both sides must agree on:
 * the exit statuses, how a child is asked to stop, the kinds of child and the shared log files.
 * Imported by master/ and worker/ (and the child logger); it imports nothing of theirs.
 */
import type { Settings } from '../settings/schema.js';

/** Exit status of a start that could not bind, write its pidfile, or the like. */
export const START_ERROR = 1;
/** Exit status of a start refused for invalid settings or usage. */
export const CONFIG_ERROR = 2;
/** Exit status when a worker failed to boot (gunicorn's WORKER_BOOT_ERROR). */
export const WORKER_BOOT_ERROR = 3;
/** Exit status when the application failed to load (gunicorn's APP_LOAD_ERROR). */
export const APP_LOAD_ERROR = 4;

/** The kinds of process the master supervises. */
export type ChildKindName = 'web' | 'runner' | 'bridge';

/** The files the master owns that children append whole lines to. */
export type LogFile = 'access' | 'webui-access';
/** Every LogFile, in a fixed order. */
export const LOG_FILES: readonly LogFile[] = ['access', 'webui-access'];

/** How a child is asked to stop: drain (the server goes on), graceful (TERM), quick (INT, QUIT). */
export type StopMode = 'drain' | 'graceful' | 'quick';
/** A stop may only be made stronger. */
export const STOP_RANK: Record<StopMode, number> = { drain: 0, graceful: 1, quick: 2 };

/** What one child tells the others through the master (e.g. the runner: a job was created). */
export type NotifyWhat = 'created' | 'abort';
/** What a notification is about. */
export interface NotifyPayload {
  id: number;
}

/** Messages a child sends to the master over IPC. */
export type ChildMessage =
  /** A heartbeat; `period` is the child's beat period in ms (what it took from the last TIMEOUT it heard of). */
  | { t: 'hb'; requests: number; rss: number; period: number }
  | { t: 'ready' }
  | { t: 'recycle'; reason: string }
  | { t: 'log'; level: string; message: string; pid: number; time: string }
  | { t: 'lines'; file: LogFile; text: string }
  | { t: 'notify'; to: ChildKindName; what: NotifyWhat; payload?: NotifyPayload }
  /** The engine bridge: the engine's version, or why it cannot be asked (each start, HUP, change). */
  | ({ t: 'engine' } & EngineInfo);

/** What the engine bridge learned of the engine: its version, or the problem (one is null). */
export interface EngineInfo {
  version: string | null;
  problem: string | null;
}

/** Messages the master sends to a child. */
export type MasterMessage =
  /** `serving`: the server has served already, so a database that cannot be used is an outage to wait out, not a failed start. */
  | { t: 'boot'; settings: Settings; maxRequests: number; listeners: number; serving: boolean }
  | { t: 'listen'; index: number }
  /** HUP: a child that is kept (the runner) takes the new settings (heartbeat period, log level, limits). */
  | { t: 'reconfigure'; settings: Settings }
  | { t: 'stop'; mode: StopMode }
  | { t: 'reopen-logs' }
  | { t: 'notify'; what: NotifyWhat; payload?: NotifyPayload }
  /** The engine's version as the bridge last told it (sent to every child, and to each new one). */
  | ({ t: 'engine' } & EngineInfo);

const CHILD_TYPES: ReadonlySet<string> = new Set<ChildMessage['t']>(['hb', 'ready', 'recycle', 'log', 'lines', 'notify', 'engine']);
const MASTER_TYPES: ReadonlySet<string> = new Set<MasterMessage['t']>(['boot', 'listen', 'reconfigure', 'stop', 'reopen-logs', 'notify', 'engine']);

function typeOf(m: unknown): string | null {
  return typeof m === 'object' && m !== null && typeof (m as { t?: unknown }).t === 'string' ? (m as { t: string }).t : null;
}

/** Whether an IPC payload is a child message (the master ignores anything else). */
export function isChildMessage(m: unknown): m is ChildMessage {
  return CHILD_TYPES.has(typeOf(m) ?? '');
}

/** Whether an IPC payload is a master message (a child ignores anything else). */
export function isMasterMessage(m: unknown): m is MasterMessage {
  return MASTER_TYPES.has(typeOf(m) ?? '');
}
