/**
 * The pages' static files: built by src/client/build.mjs into dist/static/ (with manifest.json
 * naming each file's fingerprinted copy), served by the workers under `<prefix>/static/`
 * through koa-static, and copied for nginx by `oq-webui collectstatic`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context, Middleware, Next } from 'koa';
import koaStatic from 'koa-static';
import { DIST_ROOT } from '../../paths.js';

/** Where the build puts the assets (the source of collectstatic and of the workers). */
export const BUILT_STATIC_DIR = join(DIST_ROOT, 'static');

/** A fingerprinted name: `app.0123456789.js`. Such a file never changes, so it is cached for a year. */
export const FINGERPRINTED = /\.[0-9a-f]{10}\.[A-Za-z0-9]+$/;

/** Cache-Control of a served file. */
export function cacheControlOf(name: string): string {
  return FINGERPRINTED.test(name) ? 'public, max-age=31536000, immutable' : 'public, max-age=300';
}

/** The URLs of the assets the pages link. */
export interface Assets {
  /** `<prefix>/static/<fingerprinted name>` of a logical name such as `app.js`. */
  url(name: string): string;
}

/** Reads the build's manifest once; without one (assets not built) the plain names are used. */
export function loadAssets(prefix: string, dir = BUILT_STATIC_DIR): Assets {
  let manifest: Record<string, string> = {};
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, string>;
  } catch {
    manifest = {};
  }
  return { url: (name) => `${prefix}/static/${manifest[name] ?? name}` };
}

/** Serves `<prefix>/static/...` from the built assets; an unknown file is a plain 404. */
export function staticFiles(prefix: string, dir = BUILT_STATIC_DIR): Middleware {
  const mount = `${prefix}/static/`;
  const serve = koaStatic(dir, {
    index: false,
    hidden: false,
    gzip: false,
    brotli: false,
    setHeaders(res, path) {
      res.setHeader('Cache-Control', cacheControlOf(path));
      res.setHeader('X-Content-Type-Options', 'nosniff');
    },
  });
  const serveFile = async (ctx: Context): Promise<void> => {
    const original = ctx.path;
    ctx.path = `/${original.slice(mount.length)}`;
    try {
      await serve(ctx, async () => undefined);
    } finally {
      ctx.path = original;
    }
    if (ctx.body === undefined || ctx.body === null) {
      ctx.status = 404;
      ctx.type = 'text/plain';
      ctx.body = 'Not Found';
    }
  };
  // not async: every other request only passes through
  return function serveStatic(ctx: Context, next: Next): Promise<unknown> {
    return ctx.path.startsWith(mount) && (ctx.method === 'GET' || ctx.method === 'HEAD') ? serveFile(ctx) : next();
  };
}
