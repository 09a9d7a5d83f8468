/**
 * The one way request input (query strings, bodies, URL parameters) is checked: a zod schema,
 * and a 400 whose message names the field and what was wrong. Routes call `validate` first
 * (auth → validate → load → authorize → present), and use only what it returns.
 */
import { z } from 'zod';
import { badRequest } from '../errors.js';

/** What checking input produced: the parsed value, or the sentence a 400 would say. */
export type Checked<T> = { ok: true; data: T } | { ok: false; message: string };

/** Like `validate`, without throwing: for routes that must do something before refusing (log, count). */
export function check<S extends z.ZodTypeAny>(schema: S, value: unknown, where: string): Checked<z.infer<S>> {
  const result = schema.safeParse(value);
  if (result.success) {
    return { ok: true, data: result.data as z.infer<S> };
  }
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return `${field}${issue.message}`;
  });
  return { ok: false, message: `Invalid ${where}: ${problems.join('; ')}` };
}

/** Parses `value` with `schema`; a refusal becomes 400 "Invalid <where>: <field>: <why>" naming every problem. */
export function validate<S extends z.ZodTypeAny>(schema: S, value: unknown, where: string): z.infer<S> {
  const checked = check(schema, value, where);
  if (!checked.ok) {
    throw badRequest(checked.message);
  }
  return checked.data;
}

/** Text a user typed: no NUL or other control characters but tab, at most `max` characters. */
export function userText(max: number) {
  return z.string()
    .max(max, `at most ${max} characters`)
    // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
    .refine((s) => !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(s), 'control characters are not allowed');
}

/** A whole number written in decimal digits, between min and max (both safe integers). */
export function boundedInt(min: number, max: number) {
  return z.string()
    .regex(/^\d{1,16}$/, 'expected a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `expected a whole number from ${min} to ${max}`);
}

export { z };
