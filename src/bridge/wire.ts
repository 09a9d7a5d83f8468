/**
 * The engine bridge's wire format, shared by the bridge child (server.ts) and the HTTP workers
 * (client.ts): one connection per request on the bridge's unix socket. The worker writes one
 * JSON line, `{"op": NAME, "args": {...}}`; the bridge answers one JSON line (a `BridgeHeader`),
 * followed, for a file answer, by exactly `size` raw bytes, then closes. Files (.npz, .png, .zip)
 * thus stream from disk to the HTTP response without passing through JSON or the master.
 */
import { join } from 'node:path';
import type { Settings } from '../settings/schema.js';

/** What a worker asks: the op names a handler of python/oq_webui_bridge.py. */
export interface BridgeRequest {
  op: string;
  args: Record<string, unknown>;
}

/** The first line of every answer. */
export type BridgeHeader =
  /** A value, as the engine's JSON text (which may hold NaN or Infinity, as the original's answers do). */
  | { ok: true; json: string }
  /** A file of `size` bytes; `name`: the engine's name of it. */
  | { ok: true; size: number; name: string }
  | { ok: false; status: number; message: string };

/**
 * The bridge's socket: beside the control socket (CONTROL_SOCKET is kept until a restart, so the
 * bridge and every worker generation agree on it).
 */
export function bridgeSocketPath(settings: Settings): string {
  return `${settings.CONTROL_SOCKET}.bridge`;
}

/** The bridge's temp folder (the answers the engine writes before they are streamed). */
export function bridgeTmpDir(settings: Settings): string {
  return join(settings.ENGINE_DATA_DIR, 'bridge-tmp');
}
