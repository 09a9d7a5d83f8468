/** GET /v1/calc/list and /v1/calc/:id/status: list items of the calculations the caller may see. */
import type Router from '@koa/router';
import type { RouteContext } from '../../app-context.js';
import { listParamsOf } from '../../calcs/list-params.js';
import { presentListItem } from '../../calcs/presenters.js';
import { listPage } from '../../data/calculation-list.js';
import { tagsOfJobs } from '../../data/tags.js';
import { actorOf } from '../../middlewares/state.js';
import { visibility } from '../../policies/calculation.js';
import { loadCalculationFor } from '../../policies/load-calculation.js';
import { absoluteUrl } from './urls.js';

/** Registers the list routes. */
export function listRoutes(router: Router, env: RouteContext): void {
  router.get('/v1/calc/list', async function calcList(ctx) {
    const actor = actorOf(ctx);
    const params = listParamsOf(ctx.querystring, () => ctx.query);
    const base = absoluteUrl(ctx, env.settings, '/v1/calc/');
    const { rows, total } = await listPage(env.models, visibility(actor), params, env.settings.LIST_CACHE_MS);
    ctx.set('X-Total-Count', String(total));
    ctx.set('Access-Control-Expose-Headers', 'X-Total-Count');
    ctx.set('Content-Type', 'application/json; charset=utf-8');
    ctx.body = JSON.stringify(rows.map((r) => presentListItem(r, base)));
  });

  router.get('/v1/calc/:id/status', async function calcStatus(ctx) {
    const { job } = await loadCalculationFor(env.models, actorOf(ctx), ctx.params.id, 'see', { aclOn: env.settings.ACL_ON });
    const tags = await tagsOfJobs(env.models, [job.id]);
    ctx.body = presentListItem({ ...job, tags: tags.get(job.id) ?? null }, absoluteUrl(ctx, env.settings, '/v1/calc/'));
  });
}
