/**
 * The bodies the accounts routes accept, as zod schemas (src/validation/validate.ts). Every
 * string is bounded: a username as Django's (150), a password at 4096 characters (hashing a
 * megabyte with 600,000 rounds would be a denial of service), `next` at 2048.
 */
import { userText, z } from '../../validation/validate.js';

export const MAX_USERNAME = 150;
export const MAX_PASSWORD = 4096;
const MAX_NEXT = 2048;

const password = z.string().max(MAX_PASSWORD, `at most ${MAX_PASSWORD} characters`);

/** Both credentials given, as non-empty strings (else the original's "Missing username or password"). */
export const credentialsGiven = z.object({
  username: z.string().min(1),
  password: z.string().min(1),
});

/** Credentials that could belong to an account: a username without control characters. */
export const credentials = z.object({
  username: userText(MAX_USERNAME),
  password,
});

/** Where the login page goes next (ignored when malformed: the default is used). */
export const nextField = z.object({ next: z.string().max(MAX_NEXT).optional() });

/** POST /accounts/password_change/ (a missing field is an empty one: the form's own messages follow). */
export const passwordChange = z.object({
  old_password: password.default(''),
  new_password1: password.default(''),
  new_password2: password.default(''),
});
