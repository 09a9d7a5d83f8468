import type { IncomingMessage } from 'node:http';

const REMOTE_USER = Symbol('oq-webui.remoteUser');
const CLIENT_IP = Symbol('oq-webui.clientIp');

type Tagged = IncomingMessage & { [REMOTE_USER]?: string; [CLIENT_IP]?: string };

/** Records who made the request, for the access log's %(u)s. */
export function setRemoteUser(req: IncomingMessage, name: string): void {
  (req as Tagged)[REMOTE_USER] = name;
}

/** Who made the request, if the application said so. */
export function remoteUser(req: IncomingMessage): string | null {
  return (req as Tagged)[REMOTE_USER] ?? null;
}

/** Records the client address the application settled on (trusted proxies considered). */
export function setClientIp(req: IncomingMessage, ip: string): void {
  (req as Tagged)[CLIENT_IP] = ip;
}

/** The client address for the access log: what the application settled on, else the peer. */
export function clientIpOf(req: IncomingMessage): string {
  return (req as Tagged)[CLIENT_IP] ?? (req.socket.remoteAddress ?? '-').replace(/^::ffff:/, '');
}
