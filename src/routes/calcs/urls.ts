import type { Context } from 'koa';
import { accountState } from '../../middlewares/state.js';
import type { Settings } from '../../settings/schema.js';

/** The absolute URL of a path of ours (`/v1/calc/`), as the original's build_absolute_uri. */
export function absoluteUrl(ctx: Context, settings: Pick<Settings, 'WEBUI_PATHPREFIX'>, path: string): string {
  const proto = accountState(ctx).secure ? 'https' : ctx.protocol;
  return `${proto}://${ctx.host}${settings.WEBUI_PATHPREFIX}${path}`;
}
