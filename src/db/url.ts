import { join } from 'node:path';

/** The file of a `sqlite:PATH` database URL, or null for other databases (no database code loaded). */
export function sqlitePath(url: string): string | null {
  return url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : null;
}

/** The default DATABASE: the SQLite file in DATA_DIR. */
export function defaultDatabaseUrl(s: { DATA_DIR: string }): string {
  return `sqlite:${join(s.DATA_DIR, 'webui.sqlite3')}`;
}
