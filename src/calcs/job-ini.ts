/**
 * Reading OpenQuake job.ini files and choosing which .ini of an upload to run.
 *
 * The engine reads job.ini with Python's configparser; the `ini` package differs from it (it cuts
 * values at `;`/`#`, turns `true`/`null` into non-strings, ignores `key: value` and indented
 * continuation lines), so the text is first normalised to configparser's meaning and every value
 * quoted, then parsed with `ini`.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import ini from 'ini';

/** What the server needs from a job.ini: mode, description and every key (sections flattened). */
export interface JobIni {
  calculation_mode: string;
  description: string;
  params: Record<string, string>;
}

/** Reads a job.ini; keys of all sections are flattened (a later section wins); missing keys give ''. */
export async function readJobIni(file: string): Promise<JobIni> {
  const text = await readFile(file, 'utf8');
  return parseJobIni(text);
}

/** Parses the text of a job.ini the way configparser would read it. */
export function parseJobIni(text: string): JobIni {
  const parsed: unknown = ini.parse(normaliseIni(text));
  const params: Record<string, string> = {};
  flatten(parsed, params);
  return {
    calculation_mode: params.calculation_mode ?? '',
    description: params.description ?? '',
    params,
  };
}

/** Copies the leaves of a parsed ini object into `out` as strings. */
function flatten(node: unknown, out: Record<string, string>): void {
  if (node === null || typeof node !== 'object') {
    return;
  }
  for (const [key, value] of Object.entries(node)) {
    if (Array.isArray(value)) {
      out[key] = String(value[value.length - 1] ?? '');
    } else if (value !== null && typeof value === 'object') {
      flatten(value, out);
    } else {
      out[key] = String(value);
    }
  }
}

/**
 * Rewrites configparser syntax into unambiguous `ini` syntax: comments dropped, `key: value`
 * accepted, indented lines joined to the previous value with '\n', keys lower-cased (configparser's
 * optionxform) and keys and values JSON-quoted so that `ini` keeps them verbatim.
 */
export function normaliseIni(text: string): string {
  const out: string[] = [];
  let pending: { key: string; value: string } | null = null;
  const flush = (): void => {
    if (pending !== null) {
      out.push(`${JSON.stringify(pending.key)} = ${JSON.stringify(pending.value)}`);
      pending = null;
    }
  };
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n|\r/)) {
    if (/^\s*[#;]/.test(raw)) {
      continue;
    }
    if (/^\s+\S/.test(raw) && pending !== null) {
      pending.value = pending.value === '' ? raw.trim() : `${pending.value}\n${raw.trim()}`;
      continue;
    }
    flush();
    const section = /^\s*\[([^\]]*)\]\s*$/.exec(raw);
    if (section !== null) {
      out.push(`[${section[1].trim().replace(/[.\[\]]/g, '_')}]`);
      continue;
    }
    const eq = raw.search(/[=:]/);
    if (eq > 0 && raw.slice(0, eq).trim() !== '') {
      pending = { key: raw.slice(0, eq).trim().toLowerCase(), value: raw.slice(eq + 1).trim() };
    }
  }
  flush();
  return out.join('\n');
}

/**
 * Chooses the .ini to run among `files` (relative paths): the `requested` one if given (matched by
 * path, else by base name; null when absent, as the original engine refuses), else `job.ini`,
 * else the first `job*.ini` alphabetically, else the first `.ini`; shallower paths win ties.
 * When the upload continues a hazard calculation (`continuing`, a hazard_job_id was given),
 * `risk.ini` comes first, as in the original WebUI.
 */
export function pickJobIni(files: string[], requested?: string, opts: { continuing?: boolean } = {}): string | null {
  const inis = files.filter((f) => /\.ini$/i.test(f)).sort(byDepthThenName);
  const base = (f: string): string => path.posix.basename(f.replace(/\\/g, '/'));
  if (requested !== undefined && requested !== '') {
    if (inis.includes(requested)) {
      return requested;
    }
    return inis.find((f) => base(f) === base(requested)) ?? null;
  }
  return (
    (opts.continuing ? inis.find((f) => base(f) === 'risk.ini') : undefined) ??
    inis.find((f) => base(f) === 'job.ini') ??
    inis.find((f) => /^job.*\.ini$/i.test(base(f))) ??
    inis[0] ??
    null
  );
}

/** Orders paths by number of folders, then by name. */
function byDepthThenName(a: string, b: string): number {
  const depth = (f: string): number => f.split(/[\\/]/).length;
  return depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Lists the .ini files under `dir` (recursively, symlinks skipped) as sorted relative posix paths. */
export async function listIniFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const found: string[] = [];
  for (const entry of entries) {
    if (entry.isFile() && /\.ini$/i.test(entry.name)) {
      const parent = entry.parentPath ?? entry.path;
      found.push(path.relative(dir, path.join(parent, entry.name)).split(path.sep).join('/'));
    }
  }
  return found.sort();
}
