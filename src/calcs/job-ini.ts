/**
 * Reading OpenQuake job.ini files and choosing which .ini of an upload to run.
 *
 * The engine reads job.ini with Python's configparser (commonlib/readinput.py get_params), so this
 * reads it by the same rules: lines end at \n, \r or \r\n only (a U+2028 or U+0085 is part of
 * a value), whitespace is Python's (str.strip, not String.trim), whole-line # and ; comments,
 * `key = value` or `key: value` at the first delimiter, deeper-indented lines continue a value,
 * keys lower-cased, no inline comments.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

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

/** The characters Python's str.isspace() accepts: what configparser strips around keys, values and lines. */
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const LEADING = new RegExp(`^[${PY_SPACE}]+`);
const TRAILING = new RegExp(`[${PY_SPACE}]+$`);
const NON_SPACE = new RegExp(`[^${PY_SPACE}]`);
/** configparser's SECTCRE and OPTCRE (`s`: a U+2028 is no line end here). */
const SECTION = /^\[(.+)\]/s;
const OPTION = new RegExp(`^(.*?)[${PY_SPACE}]*([=:])[${PY_SPACE}]*(.*)$`, 's');

/** Python's str.rstrip(). */
function rstrip(s: string): string {
  return s.replace(TRAILING, '');
}

/** Python's str.strip(). */
function strip(s: string): string {
  return rstrip(s).replace(LEADING, '');
}

/** Parses the text of a job.ini the way configparser reads it (RawConfigParser._read, default options). */
export function parseJobIni(text: string): JobIni {
  const sections: Map<string, string[]>[] = [];
  let section: Map<string, string[]> | null = null;
  let option: string[] | null = null;
  let indent = 0;
  // utf-8-sig: a BOM is dropped; universal newlines: \r\n, \r, \n end lines, nothing else
  for (const line of text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/)) {
    const value = strip(line);
    if (value.startsWith('#') || value.startsWith(';')) {
      continue;
    }
    if (value === '') {
      // empty_lines_in_values: kept inside a value that continues below, dropped at its end
      option?.push('');
      continue;
    }
    const lineIndent = line.search(NON_SPACE);
    if (option !== null && lineIndent > indent) {
      option.push(value);
      continue;
    }
    indent = lineIndent;
    const header = SECTION.exec(value);
    if (header !== null) {
      section = new Map();
      sections.push(section);
      option = null;
      continue;
    }
    const m = OPTION.exec(value);
    if (m === null || m[1] === '') {
      // the engine refuses such a line (ParsingError); here it only adds nothing
      option = null;
      continue;
    }
    if (section === null) {
      section = new Map();
      sections.push(section);
    }
    option = [strip(m[3])];
    section.set(rstrip(m[1]).toLowerCase(), option);
  }
  const params: Record<string, string> = {};
  for (const s of sections) {
    for (const [key, lines] of s) {
      params[key] = rstrip(lines.join('\n'));
    }
  }
  return {
    calculation_mode: params.calculation_mode ?? '',
    description: params.description ?? '',
    params,
  };
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
