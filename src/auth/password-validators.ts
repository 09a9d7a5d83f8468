/**
 * Django's four default password validators (AUTH_PASSWORD_VALIDATORS of a
 * new Django project), with Django's English messages and order:
 * UserAttributeSimilarity, MinimumLength, CommonPassword, NumericPassword.
 * Lengths count Unicode code points, as Python's len() does.
 */
import { readFileSync } from 'node:fs';

/** Minimum password length (Django's MinimumLengthValidator default). */
export const MIN_LENGTH = 8;

/** Maximum quick_ratio similarity to a user attribute (Django's default). */
export const MAX_SIMILARITY = 0.7;

/**
 * Django's list of 20000 common passwords (19640 after lowercasing and
 * de-duplication; BSD-licensed, from django/contrib/auth/common-passwords.txt.gz).
 * Resolved from dist/src/auth/ up to the package root.
 */
export const COMMON_PASSWORDS_FILE = new URL('../../../config/common-passwords.txt', import.meta.url);

/** The user a password is checked for. */
export interface PasswordOwner {
  username: string;
  email?: string;
}

let commonPasswords: Set<string> | null = null;

/** Every problem with a new password (Django's messages); empty when it is fine. */
export function validatePassword(password: string, user: PasswordOwner): string[] {
  const problems = [
    checkSimilarity(password, user),
    checkMinimumLength(password),
    checkCommon(password),
    checkNumeric(password),
  ];
  return problems.filter((problem): problem is string => problem !== null);
}

/** Django's MinimumLengthValidator. */
export function checkMinimumLength(password: string, minLength = MIN_LENGTH): string | null {
  if (codePoints(password).length >= minLength) {
    return null;
  }
  const noun = minLength === 1 ? 'character' : 'characters';
  return `This password is too short. It must contain at least ${minLength} ${noun}.`;
}

/** Django's NumericPasswordValidator (Python's str.isdigit() on decimal digits). */
export function checkNumeric(password: string): string | null {
  return /^\p{Nd}+$/u.test(password) ? 'This password is entirely numeric.' : null;
}

/** Django's CommonPasswordValidator against config/common-passwords.txt. */
export function checkCommon(password: string): string | null {
  return loadCommonPasswords().has(password.toLowerCase().trim()) ? 'This password is too common.' : null;
}

/**
 * Django's UserAttributeSimilarityValidator on the username and email (whole,
 * split on non-word characters, and its local part before the '@').
 */
export function checkSimilarity(password: string, user: PasswordOwner, maxSimilarity = MAX_SIMILARITY): string | null {
  const attributes: Array<[string, string | undefined]> = [
    ['username', user.username],
    ['email address', user.email],
  ];
  const lowered = password.toLowerCase();
  for (const [verboseName, value] of attributes) {
    if (value && attributeTooSimilar(lowered, value, maxSimilarity)) {
      return `The password is too similar to the ${verboseName}.`;
    }
  }
  return null;
}

/** Whether a lowercased password is too similar to a value or any of its parts. */
function attributeTooSimilar(password: string, value: string, maxSimilarity: number): boolean {
  const valueLower = value.toLowerCase();
  const parts = [...valueLower.split(/[^\p{L}\p{N}_]+/u), valueLower];
  const at = valueLower.lastIndexOf('@');
  if (at > 0) {
    parts.push(valueLower.slice(0, at));
  }
  return parts.some((part) => !exceedsMaximumLengthRatio(password, maxSimilarity, part)
    && quickRatio(password, part) >= maxSimilarity);
}

/** Django's exceeds_maximum_length_ratio(): the value is too short to matter. */
function exceedsMaximumLengthRatio(password: string, maxSimilarity: number, value: string): boolean {
  const pwdLen = codePoints(password).length;
  const valueLen = codePoints(value).length;
  return pwdLen >= 10 * valueLen && valueLen < (maxSimilarity / 2) * pwdLen;
}

/** Port of Python's difflib.SequenceMatcher(a=a, b=b).quick_ratio(). */
export function quickRatio(a: string, b: string): number {
  const seqA = codePoints(a);
  const seqB = codePoints(b);
  const fullBCount = new Map<string, number>();
  for (const element of seqB) {
    fullBCount.set(element, (fullBCount.get(element) ?? 0) + 1);
  }
  const available = new Map<string, number>();
  let matches = 0;
  for (const element of seqA) {
    const count = available.get(element) ?? fullBCount.get(element) ?? 0;
    available.set(element, count - 1);
    if (count > 0) {
      matches += 1;
    }
  }
  const length = seqA.length + seqB.length;
  return length === 0 ? 1 : (2 * matches) / length;
}

/** The string as Unicode code points (Python str elements). */
function codePoints(text: string): string[] {
  return Array.from(text);
}

/** Read the common-password list once (synchronously, ~170 kB) and cache it. */
function loadCommonPasswords(): Set<string> {
  if (commonPasswords === null) {
    const lines = readFileSync(COMMON_PASSWORDS_FILE, 'utf8').split('\n');
    commonPasswords = new Set(lines.map((line) => line.trim()).filter((line) => line !== ''));
  }
  return commonPasswords;
}
