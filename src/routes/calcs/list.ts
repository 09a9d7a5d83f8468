/** GET /v1/calc/list and /v1/calc/:id/status: list items of the calculations the caller may see. */
import type Router from '@koa/router';
import type { CalcEnv } from '../../calcs/env.js';
import { parseListParams } from '../../calcs/list-params.js';
import { presentListItem } from '../../calcs/presenters.js';
import { listPage } from '../../data/calculation-list.js';
import { actorOf } from '../../middlewares/state.js';
import { loadCalculationFor } from '../../policies/load-calculation.js';
import { absoluteUrl } from './urls.js';

/** Registers the list routes. */
export function listRoutes(router: Router, env: CalcEnv): void {
  router.get('/v1/calc/list', async function calcList(ctx) {
    const actor = actorOf(ctx);
    const params = parseListParams(ctx.query);
    const base = absoluteUrl(ctx, env.settings, '/v1/calc/');
    // what the answer depends on besides the database: who asks, what, and the URLs' base
    const key = JSON.stringify([actor.username, actor.groupIds, actor.isSuperuser, actor.unrestricted, params, base]);
    const version = await env.listCache.version();
    let answer = env.listCache.get(key, version);
    if (answer === null) {
      const { rows, total } = await listPage(env.models, actor, params);
      answer = { body: JSON.stringify(rows.map((r) => presentListItem(r, base))), total };
      env.listCache.set(key, version, answer.body, answer.total);
    }
    ctx.set('X-Total-Count', String(answer.total));
    ctx.set('Access-Control-Expose-Headers', 'X-Total-Count');
    ctx.type = 'application/json';
    ctx.body = answer.body;
  });

  router.get('/v1/calc/:id/status', async function calcStatus(ctx) {
    const { job } = await loadCalculationFor(env.models, actorOf(ctx), ctx.params.id, 'see', { aclOn: env.settings.ACL_ON });
    ctx.body = presentListItem(job, absoluteUrl(ctx, env.settings, '/v1/calc/'));
  });
}
