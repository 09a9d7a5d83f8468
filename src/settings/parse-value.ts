/**
 * Converting one raw setting value (typed JSON from the settings file, or text from the
 * environment and the command line) to its declared type, with zod schemas built from the
 * declaration. A refusal says what was expected, in the words `check` and `start` print.
 */
import { z } from 'zod';
import type { SettingDecl } from './types.js';

/** The outcome of converting one raw value: the value, or what was expected. */
export type Parsed = { ok: true; value: unknown } | { ok: false; expected: string };

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

function expectedOf(decl: SettingDecl): string {
  switch (decl.type) {
    case 'int':
      return decl.min === undefined ? 'an integer' : `an integer >= ${decl.min}`;
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${(decl.choices ?? []).join(', ')}`;
    case 'list':
      return 'a list of strings (JSON array, or comma-separated)';
    case 'json-list':
      return decl.choices ? `a JSON list of ${decl.choices.map((c) => JSON.stringify(c)).join(', ')}` : 'a JSON list of strings';
    default:
      return 'a string';
  }
}

/** JSON text, or the text itself when it is not JSON (the schema after it refuses it). */
function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The schema of a declared type; `fromText` when the value comes from the environment or the CLI. */
function schemaOf(decl: SettingDecl, fromText: boolean): z.ZodTypeAny {
  const text = (convert: (s: string) => unknown) => (v: unknown) => (fromText && typeof v === 'string' ? convert(v) : v);
  const strings = z.array(z.string());
  switch (decl.type) {
    case 'int':
    case 'number': {
      let n = z.number().finite();
      if (decl.type === 'int') {
        n = n.int();
      }
      if (decl.min !== undefined) {
        n = n.min(decl.min);
      }
      return z.preprocess(text((s) => (/^\s*-?\d+(\.\d+)?\s*$/.test(s) ? Number(s) : NaN)), n);
    }
    case 'boolean':
      return z.preprocess(text((s) => {
        const w = s.trim().toLowerCase();
        return TRUE_WORDS.has(w) ? true : FALSE_WORDS.has(w) ? false : s;
      }), z.boolean());
    case 'enum':
      // matched without regard to case, given back as declared
      return z.string().transform((s, ctx) => decl.choices?.find((c) => c.toLowerCase() === s.trim().toLowerCase()) ?? (ctx.addIssue({ code: 'custom' }), z.NEVER));
    case 'list':
      // a JSON array, or comma-separated (an IPv6 address such as [::1]:8800 is not JSON: it fails as one)
      return z.preprocess((v) => {
        if (typeof v !== 'string') {
          return v;
        }
        const t = v.trim();
        if (t.startsWith('[') && t.endsWith(']')) {
          return jsonOf(t);
        }
        return t === '' ? [] : t.split(',').map((x) => x.trim()).filter((x) => x !== '');
      }, strings);
    case 'json-list':
      return z.preprocess(text(jsonOf), decl.choices ? z.array(z.enum(decl.choices as [string, ...string[]])) : strings);
    default:
      return z.string();
  }
}

/** Converts a value from the settings file (already JSON-typed) or from the env/CLI (a string). */
export function parseValue(decl: SettingDecl, raw: unknown, fromText: boolean): Parsed {
  const parsed = schemaOf(decl, fromText).safeParse(raw);
  if (!parsed.success) {
    return { ok: false, expected: expectedOf(decl) };
  }
  const expected = decl.validate ? (decl.validate as (v: unknown) => string | undefined)(parsed.data) : undefined;
  return expected ? { ok: false, expected } : { ok: true, value: parsed.data };
}
