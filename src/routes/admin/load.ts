/** What the admin routes accept in their bodies (src/validation: 400 naming the field). */
import { userText, validate, z } from '../../validation/validate.js';

const flag = z.boolean({ invalid_type_error: 'must be true or false' }).optional();
/** The original's user level: 0 view only, 1 simplified, 2 advanced. */
const level = z.number({ invalid_type_error: 'must be 0, 1 or 2' }).int('must be 0, 1 or 2').min(0, 'must be 0, 1 or 2').max(2, 'must be 0, 1 or 2').optional();
/** A name or address: one line of text. */
const line = (max: number) => userText(max).refine((s) => !/[\n\r]/.test(s), 'line breaks are not allowed');
const text = (max: number) => line(max).optional();

/** POST /admin/users */
export const NEW_USER = z.object({
  username: line(150).refine((s) => s !== '', 'is required'),
  email: text(254),
  password: z.string({ invalid_type_error: 'must be a string' }).max(4096, 'at most 4096 characters').optional(),
  is_active: flag,
  is_staff: flag,
  is_superuser: flag,
  level,
  groups: z.array(line(150), { invalid_type_error: 'must be a list of group names' }).max(1000).optional(),
});

/** PATCH /admin/users/:id */
export const USER_CHANGES = z.object({
  username: text(150),
  email: text(254),
  password: z.string({ invalid_type_error: 'must be a string' }).max(4096, 'at most 4096 characters').optional(),
  is_active: flag,
  is_staff: flag,
  is_superuser: flag,
  level,
});

/** POST and PATCH /admin/groups: the name, trimmed. */
export const GROUP = z.object({
  name: line(150).transform((s) => s.trim()).refine((s) => s !== '', 'is required'),
});

/** POST /admin/groups/:id/members: a user by name or id. */
export const MEMBER = z.object({
  username: text(150),
  user_id: z.number({ invalid_type_error: 'must be a number' }).int().positive().max(2 ** 31 - 1).optional(),
}).refine((b) => b.username !== undefined || b.user_id !== undefined, 'username or user_id is required');

/** The body of an admin request, checked against `schema`. */
export function adminBody<S extends z.ZodTypeAny>(schema: S, body: Record<string, unknown>): z.infer<S> {
  return validate(schema, body, 'body');
}
