/**
 * The one way request input (query strings, bodies, URL parameters) is checked: a zod schema,
 * and a 400 whose message names the field and what was wrong. Routes call `validate` first
 * (auth → validate → load → authorize → present), and use only what it returns.
 */
import { z } from 'zod';
import { badRequest } from '../errors.js';

/** Parses `value` with `schema`; a refusal becomes 400 "Invalid <where>: <field>: <why>" naming every problem. */
export function validate<S extends z.ZodTypeAny>(schema: S, value: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) {
    return result.data as z.infer<S>;
  }
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return `${field}${issue.message}`;
  });
  throw badRequest(`Invalid ${where}: ${problems.join('; ')}`);
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
