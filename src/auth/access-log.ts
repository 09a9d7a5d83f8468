/**
 * The messages of webui-access.log (the file Fail2Ban reads), worded as the original's
 * openquake.server.signals. The username and the referer are client-chosen, so characters
 * that could fake a second `" (IP: ...)` in the line are percent-encoded: a filter can trust
 * that the last `(IP: <ip>)` is ours.
 */
import { webuiAccessLine } from '../logging/webui-access-line.js';

/** Why a login failed, as the log line says it. */
export type LoginFailureReason = 'incorrect password' | 'the username does not exist' | 'disabled account' | 'too many failed logins';

/** Who, from where, through which page. */
export interface AccessFacts {
  username: string;
  ip: string;
  /** The Referer header, or undefined (logged as `None`, as Python prints it). */
  referer: string | undefined;
}

/** Anything outside this set is percent-encoded in a logged username (Django's usernames never are). */
const SAFE_USERNAME = /[^\p{L}\p{N}_.@+\-$]/gu;
/** Visible ASCII a URL may hold, minus quotes, parentheses, angle brackets and backslash. */
const SAFE_REFERER = /[^\x21\x23-\x27\x2a-\x3b\x3d\x3f-\x5b\x5d-\x7e]/g;

function encodeChars(text: string, unsafe: RegExp): string {
  return text.replace(unsafe, (c) => Array.from(Buffer.from(c, 'utf8'), (b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}

/** The username as it appears between the quotes of a log line. */
export function loggedUsername(name: string): string {
  return encodeChars(name, SAFE_USERNAME);
}

/** The referer as it appears at the end of `through page ...`. */
export function loggedReferer(referer: string | undefined): string {
  return referer ? encodeChars(referer, SAFE_REFERER) : 'None';
}

function subject(f: AccessFacts): string {
  return `User "${loggedUsername(f.username)}" (IP: ${f.ip})`;
}

/** `User "u" (IP: ip) logged in through page <referer>` (INFO). */
export function loggedInLine(f: AccessFacts, time?: Date): string {
  return webuiAccessLine('INFO', `${subject(f)} logged in through page ${loggedReferer(f.referer)}`, time);
}

/** `User "u" (IP: ip) failed to log in through page <referer> (<reason>)` (WARNING). */
export function loginFailedLine(f: AccessFacts, reason: LoginFailureReason, time?: Date): string {
  return webuiAccessLine('WARNING', `${subject(f)} failed to log in through page ${loggedReferer(f.referer)} (${reason})`, time);
}

/** `User "u" (IP: ip) logged out through page <referer>` (INFO). */
export function loggedOutLine(f: AccessFacts, time?: Date): string {
  return webuiAccessLine('INFO', `${subject(f)} logged out through page ${loggedReferer(f.referer)}`, time);
}
