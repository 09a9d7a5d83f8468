/**
 * The one normalisation of the parity suite: what legitimately differs between two servers that
 * behave the same, replaced by the same placeholder on both sides before comparing. Nothing else
 * is touched, so every other difference is seen.
 *
 * - ids: a number under an id key (id, job_id, parent_id, hazard_calculation_id) and a number after
 *   `calc/`, `calc_`, `job `, `calculation `, `output-` in a string become the corpus symbol of
 *   that server's id ({done}, {failed}, {aborted}, {unknown}; output ids {out0}, ... in results
 *   rows and `output-N`);
 * - hosts and ports: the server's base URL becomes `http://<host>`, a `host` field `<host>`;
 * - times: every date-time keeps its format but its digits become 9 (`2026-12-05, 16:54:13 UTC`
 *   → `9999-99-99, 99:99:99 UTC`), also in webui-access.log lines;
 * - folders: the server's temp folder becomes `<dir>`;
 * - run-dependent numbers (`pid`, `size_mb`, a log size) keep only their type: `<number>`;
 * - log rows `[time, level, process, message]`: the process and message (the engine's own text,
 *   with its pids and paths) become `<process>` and `<message>`; traceback lines `<line>`.
 */

/** What one server's values are normalised against. */
export interface NormContext {
  base: string;
  dirs: string[];
  /** This server's calculation ids → corpus symbols. */
  symbols: Map<number, string>;
  /** This server's output ids → corpus symbols (the `id` of a results row, `output-N`). */
  outputs: Map<number, string>;
  /** The route (method and path template) the body came from. */
  route: string;
}

const ID_KEYS = new Set(['id', 'job_id', 'parent_id', 'hazard_calculation_id']);
const TYPE_ONLY_KEYS = new Set(['pid', 'size_mb']);
const DATE_TIME = /\d{4}-\d{2}-\d{2}(?:[T ]|, )\d{2}:\d{2}:\d{2}(?:[.,]\d+)?/g;
const ID_IN_TEXT = /(calc\/|calc_|[Jj]ob |[Cc]alculation |output-)(\d+)/g;
const RESULTS = /\/results$|\/result\/list$/;

function normalizeString(s: string, ctx: NormContext): string {
  let out = s.split(ctx.base).join('http://<host>');
  for (const dir of ctx.dirs) {
    out = out.split(dir).join('<dir>');
  }
  out = out.replace(DATE_TIME, (m) => m.replace(/\d/g, '9'));
  return out.replace(ID_IN_TEXT, (m, pre: string, id: string) => {
    const sym = (pre === 'output-' ? ctx.outputs : ctx.symbols).get(Number(id));
    return sym ? `${pre}${sym}` : m;
  });
}

/** The normalised copy of a JSON value (or a text body, or an access-log line). */
export function normalize(value: unknown, ctx: NormContext, key = ''): unknown {
  if (typeof value === 'number') {
    if (ID_KEYS.has(key)) {
      return ((key === 'id' && RESULTS.test(ctx.route)) ? ctx.outputs : ctx.symbols).get(value) ?? value;
    }
    return TYPE_ONLY_KEYS.has(key) || ctx.route.endsWith('/log/size') ? '<number>' : value;
  }
  if (typeof value === 'string') {
    return key === 'host' ? '<host>' : normalizeString(value, ctx);
  }
  if (Array.isArray(value)) {
    if (ctx.route.includes('/log/{slice}')) {
      return value.map((row) => (Array.isArray(row) && row.length === 4
        ? [normalizeString(String(row[0]), ctx), row[1], '<process>', '<message>'] : row));
    }
    if (ctx.route.endsWith('/traceback')) {
      return value.map((line) => (typeof line === 'string' ? '<line>' : line));
    }
    return value.map((v) => normalize(v, ctx, key));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v, ctx, k)]));
  }
  return value;
}
