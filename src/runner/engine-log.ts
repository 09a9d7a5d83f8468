/**
 * Parsing of the OpenQuake engine's log output and building of its command line.
 *
 * The engine logs on stderr with the format `[%(asctime)s #%(job_id)s %(levelname)s] %(message)s`
 * and a date format of `%Y-%m-%d %H:%M:%S`, e.g. `[2025-01-31 14:05:09 #42 INFO] Running job.ini`.
 */

/** One line of engine output, as stored in the calculation's log. */
export interface EngineLogLine {
  timestamp: Date;
  level: string;
  /** The `#id` part of an engine-formatted line (e.g. `#42`), '' for plain lines. */
  process: string;
  message: string;
}

/** The levels the engine uses, from least to most severe. */
export const ENGINE_LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;

const ENGINE_LINE =
  /^\[(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,6}))?(?: (#\S*))? (DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL)\] ?(.*)$/;

/**
 * Parses one line of engine output. Engine-formatted lines give their own timestamp (read as UTC),
 * level and `#id`; any other line is kept verbatim with `defaultLevel` and the timestamp `now`.
 */
export function parseEngineLine(line: string, now: Date, defaultLevel = 'INFO'): EngineLogLine {
  const text = line.replace(/\r?\n$/, '').replace(/\r$/, '');
  const m = ENGINE_LINE.exec(text);
  if (m === null) {
    return { timestamp: now, level: defaultLevel, process: '', message: text };
  }
  const timestamp = engineTimestamp(m);
  if (timestamp === null) {
    return { timestamp: now, level: defaultLevel, process: '', message: text };
  }
  return { timestamp, level: canonicalLevel(m[9]), process: m[8] ?? '', message: m[10] };
}

/** The UTC date of a matched engine line, or null when the fields do not form a real date. */
function engineTimestamp(m: RegExpExecArray): Date | null {
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const millis = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 60) {
    return null;
  }
  return date;
}

/** Maps Python's level aliases (WARN, FATAL) to the engine's names. */
function canonicalLevel(level: string): string {
  if (level === 'WARN') {
    return 'WARNING';
  }
  if (level === 'FATAL') {
    return 'CRITICAL';
  }
  return level;
}

/** The placeholders an engine command template may use. */
export const ENGINE_PLACEHOLDERS = ['job_ini', 'calc_dir', 'export_dir', 'calc_id', 'hazard_calculation_id'] as const;

/** Flags that take the parent calculation id and are dropped with it when it is empty. */
const PARENT_FLAGS = new Set(['--hc', '--hazard-calculation-id']);

const PLACEHOLDER = /\{([^{}]*)\}/g;

/**
 * Builds the engine's argv from a template by replacing `{job_ini}`, `{calc_dir}`, `{export_dir}`,
 * `{calc_id}` and `{hazard_calculation_id}` inside each argument (missing values count as '').
 *
 * Dropping rule: an argument that is exactly one placeholder whose value is empty is left out, and
 * so is the argument before it when that is `--hc` / `--hazard-calculation-id`; likewise an
 * argument `--hc={hazard_calculation_id}` that would become `--hc=` is left out. So the template
 * `['oq', 'engine', '--run', '{job_ini}', '--hc', '{hazard_calculation_id}']` gives no `--hc` at
 * all for a calculation without a parent. Throws an Error naming any unknown placeholder.
 */
export function engineArgv(template: string[], vars: Record<string, string>): string[] {
  const out: string[] = [];
  for (const arg of template) {
    const value = substitute(arg, vars);
    const lone = /^\{([^{}]*)\}$/.exec(arg);
    if (lone !== null && value === '') {
      if (out.length > 0 && PARENT_FLAGS.has(out[out.length - 1])) {
        out.pop();
      }
      continue;
    }
    const flagEq = /^(--[\w-]+)=\{[^{}]*\}$/.exec(arg);
    if (flagEq !== null && PARENT_FLAGS.has(flagEq[1]) && value === `${flagEq[1]}=`) {
      continue;
    }
    out.push(value);
  }
  return out;
}

/** Replaces every placeholder in one argument; throws on an unknown one. */
function substitute(arg: string, vars: Record<string, string>): string {
  return arg.replace(PLACEHOLDER, (_whole, name: string) => {
    if (!(ENGINE_PLACEHOLDERS as readonly string[]).includes(name)) {
      throw new Error(
        `Unknown placeholder {${name}} in the engine command template (known: ${ENGINE_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})`,
      );
    }
    return vars[name] ?? '';
  });
}

/** The engine's calculation id in an engine line's `#N` part (null for `#` alone, plain lines). */
export function engineCalcIdOf(processField: string): number | null {
  const m = /^#(\d+)$/.exec(processField);
  return m === null ? null : Number(m[1]);
}

/** A progress report of the engine: `classical  50% [2 submitted, 0 queued]`. */
export interface EngineProgress {
  /** The task being run (read_source_model, preclassical, classical, postclassical, ...). */
  task: string;
  percent: number;
}

const PROGRESS = /^(\w+)\s+(\d{1,3})% \[/;

/**
 * The progress a log message reports, or null. The engine logs, at INFO, one line per task kind
 * as its tasks complete: `preclassical  50% [2 submitted, 0 queued]`, ..., `classical 100% [...]`.
 * The last such line of a calculation's log is how far it got (a page shows `task percent%`).
 */
export function progressOf(message: string): EngineProgress | null {
  const m = PROGRESS.exec(message);
  if (m === null) {
    return null;
  }
  const percent = Number(m[2]);
  return percent <= 100 ? { task: m[1], percent } : null;
}
