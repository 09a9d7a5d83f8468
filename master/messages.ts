/** Messages a child sends to the master over IPC. */
export type ChildMessage =
  | { t: 'hb'; requests: number; rss: number }
  | { t: 'ready' }
  | { t: 'recycle'; reason: string }
  | { t: 'log'; level: string; message: string; pid: number; time: string }
  | { t: 'lines'; file: 'access' | 'webui-access'; text: string }
  | { t: 'notify'; to: 'runner' | 'web'; what: string; payload?: unknown };

/** Messages the master sends to a child. */
export type MasterMessage =
  | { t: 'boot'; settings: unknown; maxRequests: number; listeners: number }
  | { t: 'listen'; index: number }
  /** graceful false: quick stop; drain: the server goes on, so idle keep-alive connections run out their timeout. */
  | { t: 'stop'; graceful: boolean; drain?: boolean }
  | { t: 'reopen-logs' }
  | { t: 'notify'; what: string; payload?: unknown };

/** Whether an IPC payload looks like a child message. */
export function isChildMessage(m: unknown): m is ChildMessage {
  return typeof m === 'object' && m !== null && typeof (m as { t?: unknown }).t === 'string';
}
