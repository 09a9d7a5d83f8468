/**
 * The engine's tools the original exposes beside the calculations: ini defaults, the GSIM list,
 * NRML validation, the latest-version check, on_same_fs.
 */
import { open } from 'node:fs/promises';
import type Router from '@koa/router';
import { badRequest } from '../../errors.js';
import { bodyOf, smallBody } from '../../middlewares/body.js';
import { actorOf } from '../../middlewares/state.js';
import { sendJson } from './env.js';
import { fileInside } from './server-files.js';
import type { RouteContext } from '../../app-context.js';

/** What the original answers offline (check_obsolete_version returns None; no internet here). */
const LATEST_VERSION_OFFLINE = 'None';

/**
 * The original's checksum of the first 32 bytes: `zlib.adler32(data, 0)`, seeded with 0 (not
 * zlib's default 1), which is what the QGIS plugin and the engine's own test send.
 */
function adler32(data: Buffer): number {
  let a = 0;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** The first 32 bytes of a file the caller may name (under DATA_DIR), or null: missing and refused look alike. */
async function head32(file: string, dataDir: string): Promise<Buffer | null> {
  const real = await fileInside(file, [dataDir]);
  if (real === null) {
    return null;
  }
  try {
    const fh = await open(real, 'r');
    try {
      const buf = Buffer.alloc(32);
      const { bytesRead } = await fh.read(buf, 0, 32, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch {
    return null;
  }
}

/** Registers ini_defaults, available_gsims, valid, engine_latest_version, on_same_fs. */
export function toolRoutes(router: Router, env: RouteContext): void {
  router.get('/v1/ini_defaults', async function iniDefaults(ctx) {
    sendJson(ctx, await env.bridge.iniDefaults());
  });

  router.get('/v1/available_gsims', async function availableGsims(ctx) {
    sendJson(ctx, await env.bridge.availableGsims());
  });

  router.post('/v1/valid/', smallBody(), async function validNrml(ctx) {
    const text = bodyOf(ctx).xml_text;
    if (typeof text !== 'string' || text === '') {
      throw badRequest('Please provide the "xml_text" parameter');
    }
    sendJson(ctx, await env.bridge.validateNrml(text));
  });

  router.get('/v1/engine_latest_version', function engineLatestVersion(ctx) {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = LATEST_VERSION_OFFLINE;
  });

  router.post('/v1/on_same_fs', smallBody(), async function onSameFs(ctx) {
    actorOf(ctx);
    const body = bodyOf(ctx);
    const { filename, checksum } = body;
    if (typeof filename !== 'string' || typeof checksum !== 'string') {
      throw badRequest('Please provide the "filename" and "checksum" parameters');
    }
    const data = await head32(filename, env.settings.DATA_DIR);
    ctx.body = { success: data !== null && /^\d+$/.test(checksum.trim()) && adler32(data) === Number(checksum.trim()) };
  });
}
