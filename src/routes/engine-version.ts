import { execFile } from 'node:child_process';
import Router from '@koa/router';
import type { Settings } from '../settings/schema.js';

import { versionArgv } from '../runner/engine-version.js';

export { versionArgv };

/** Asks the engine once per process; `unknown` when it cannot be run. */
function engineVersionProbe(settings: Settings): () => Promise<string> {
  let cached: Promise<string> | null = null;
  return () => {
    if (!cached) {
      const [cmd, ...args] = versionArgv(settings.ENGINE_COMMAND);
      cached = new Promise((resolve) => {
        execFile(cmd, args, { timeout: 10_000 }, (err, stdout) => {
          resolve(err ? 'unknown' : stdout.trim().split('\n').pop() ?? 'unknown');
        });
      });
    }
    return cached;
  };
}

/** GET /v1/engine_version: the engine's version as plain text. */
export function engineVersionRoutes(settings: Settings): Router {
  const router = new Router();
  const probe = engineVersionProbe(settings);
  router.get('/v1/engine_version', async function engineVersion(ctx) {
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.set('Content-Type', 'text/plain; charset=utf-8');
    ctx.body = await probe();
  });
  return router;
}
