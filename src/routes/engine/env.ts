/** How the engine routes answer what the bridge gives: a streamed file, the engine's JSON text. */
import type { Context } from 'koa';
import type { Readable } from 'node:stream';
import type { EngineJson } from '../../bridge/requests.js';

/** Answers a file the bridge streams: its type, its length, `attachment; filename=NAME` as the original. */
export function sendStream(ctx: Context, file: { size: number; stream: Readable }, type: string, filename?: string): void {
  ctx.status = 200;
  ctx.type = type;
  ctx.length = file.size;
  if (filename !== undefined) {
    ctx.set('Content-Disposition', `attachment; filename=${filename}`);
  }
  if (ctx.method === 'HEAD') {
    file.stream.destroy();
    return;
  }
  ctx.body = file.stream;
}

/** Answers the engine's JSON text as it wrote it (the original's JsonResponse bytes). */
export function sendJson(ctx: Context, json: EngineJson<unknown>): void {
  ctx.type = 'application/json';
  ctx.body = json.text;
}
