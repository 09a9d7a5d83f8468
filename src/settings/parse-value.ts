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

/** Converts a value from the settings file (already JSON-typed) or from the env/CLI (a string). */
export function parseValue(decl: SettingDecl, raw: unknown, fromText: boolean): Parsed {
  const fail: Parsed = { ok: false, expected: expectedOf(decl) };
  let value: unknown = raw;
  switch (decl.type) {
    case 'int':
    case 'number': {
      if (fromText && typeof raw === 'string') {
        value = /^\s*-?\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : NaN;
      }
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        return fail;
      }
      if (decl.type === 'int' && !Number.isInteger(value)) {
        return fail;
      }
      if (decl.min !== undefined && value < decl.min) {
        return fail;
      }
      break;
    }
    case 'boolean': {
      if (fromText && typeof raw === 'string') {
        const w = raw.trim().toLowerCase();
        value = TRUE_WORDS.has(w) ? true : FALSE_WORDS.has(w) ? false : raw;
      }
      if (typeof value !== 'boolean') {
        return fail;
      }
      break;
    }
    case 'enum': {
      const match = typeof raw === 'string' ? decl.choices?.find((c) => c.toLowerCase() === raw.trim().toLowerCase()) : undefined;
      if (match === undefined) {
        return fail;
      }
      value = match;
      break;
    }
    case 'list': {
      if (typeof raw === 'string') {
        const text = raw.trim();
        // a JSON array, but not an IPv6 address such as [::1]:8800
        if (text.startsWith('[') && text.endsWith(']')) {
          try {
            value = JSON.parse(text);
          } catch {
            return fail;
          }
        } else {
          value = text === '' ? [] : text.split(',').map((x) => x.trim()).filter((x) => x !== '');
        }
      }
      if (!Array.isArray(value) || !value.every((x) => typeof x === 'string')) {
        return fail;
      }
      break;
    }
    case 'json-list': {
      if (fromText && typeof raw === 'string') {
        try {
          value = JSON.parse(raw);
        } catch {
          return fail;
        }
      }
      if (!Array.isArray(value) || !value.every((x) => typeof x === 'string')) {
        return fail;
      }
      if (decl.choices && !value.every((x) => decl.choices?.includes(x as string))) {
        return fail;
      }
      break;
    }
    default: {
      if (typeof value !== 'string') {
        return fail;
      }
    }
  }
  if (decl.validate) {
    const expected = (decl.validate as (v: unknown) => string | undefined)(value);
    if (expected) {
      return { ok: false, expected };
    }
  }
  return { ok: true, value };
}
