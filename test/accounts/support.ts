/** Small helpers of the accounts tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningServer } from '../helpers/server.js';
import { waitFor } from '../helpers/server.js';

/** A form POST. */
export function formPost(fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  };
}

/** A JSON request. */
export function jsonRequest(method: string, body: unknown, cookie: string, headers: Record<string, string> = {}): RequestInit {
  return {
    method,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', cookie, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  };
}

/** The lines of webui-access.log so far. */
export function accessLogLines(server: RunningServer, dir = server.logDir): string[] {
  try {
    return readFileSync(join(dir, 'webui-access.log'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** Waits until webui-access.log has `count` lines more than `before`; returns the new ones. */
export async function newAccessLines(server: RunningServer, before: number, count = 1, dir = server.logDir): Promise<string[]> {
  const lines = await waitFor(() => {
    const all = accessLogLines(server, dir);
    return all.length >= before + count ? all.slice(before) : null;
  }, 5000, `${count} new line(s) in webui-access.log`);
  return lines as string[];
}

/** The message part of a webui-access.log line, after checking its format. */
export function messageOf(line: string): { level: string; message: string } {
  const m = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - openquake\.server\.signals - (INFO|WARNING) - (.*)$/.exec(line);
  if (!m) {
    throw new Error(`not a webui-access.log line: ${line}`);
  }
  return { level: m[1], message: m[2] };
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(cookie: string, name: string): string | undefined {
  return cookie.split(/;\s*/).map((p) => p.split('=')).find(([k]) => k === name)?.[1];
}
