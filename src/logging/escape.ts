/**
 * The one place where text bound for a log file is made safe: every formatter (server log,
 * access.log, webui-access.log) passes what it writes through here, so a value a client chose
 * (a username, a group name, a URL, a header) can never end the line it is on and forge another,
 * nor drive the terminal of whoever reads the log. Callers log values as they are.
 */

/** C0 controls but tab, DEL, C1 controls, and the Unicode line and paragraph separators. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this escapes
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/;
// eslint-disable-next-line no-control-regex -- as above
const CONTROL_ALL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g;

function escapeChar(c: string): string {
  if (c === '\n') {
    return '\\n';
  }
  if (c === '\r') {
    return '\\r';
  }
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` on one line: CR, LF and every other control character written as `\r`, `\n`, `\xNN`. */
export function oneLine(text: string): string {
  // most text has none: test once rather than always run the replace
  return CONTROL.test(text) ? text.replace(CONTROL_ALL, escapeChar) : text;
}

/**
 * A server-log message: like oneLine, except that a line break followed by indentation is kept,
 * so that a stack trace stays readable. Such a continuation line starts with blanks, never with
 * `[`, so it cannot pass for a record of its own.
 */
export function logMessage(text: string): string {
  if (!CONTROL.test(text)) {
    return text;
  }
  const lines = text.split('\n');
  let out = oneLine(lines[0]);
  for (let i = 1; i < lines.length; i += 1) {
    const line = lines[i];
    out += (line.startsWith(' ') || line.startsWith('\t') ? '\n' : '\\n') + oneLine(line);
  }
  return out;
}
