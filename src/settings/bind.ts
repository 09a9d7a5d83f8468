/** A parsed listening address. */
export type BindAddress =
  | { kind: 'tcp'; host: string; port: number; text: string }
  | { kind: 'unix'; path: string; text: string }
  | { kind: 'fd'; fd: number; text: string };

/** Parses HOST:PORT, [::1]:PORT, unix:PATH or fd://N; throws with what is expected. */
export function parseBind(text: string): BindAddress {
  if (text.startsWith('unix:')) {
    const path = text.slice(5);
    if (!path) {
      throw new Error('unix:PATH needs a path');
    }
    return { kind: 'unix', path, text };
  }
  if (text.startsWith('fd://')) {
    const fd = Number(text.slice(5));
    if (!Number.isInteger(fd) || fd < 0) {
      throw new Error('fd://N needs a file descriptor number');
    }
    return { kind: 'fd', fd, text };
  }
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  if (!m) {
    throw new Error('HOST:PORT, [IPv6]:PORT, unix:PATH or fd://N');
  }
  const port = Number(m[3]);
  if (port > 65535) {
    throw new Error('a port between 0 and 65535');
  }
  const host = m[1] ?? (m[2] === '' ? '0.0.0.0' : m[2]);
  return { kind: 'tcp', host, port, text };
}

/** Validator for BIND: every entry must parse. */
export function validateBind(list: string[]): string | undefined {
  for (const b of list) {
    try {
      parseBind(b);
    } catch (e) {
      return `${(e as Error).message} (got ${JSON.stringify(b)})`;
    }
  }
  return undefined;
}
