/** GET /v1/calc/list and /v1/calc/:id/status: list items of the calculations the caller may see. */
import type Router from '@koa/router';
import { loadVisibleJob, visibleOwners, type CalcEnv } from '../../calcs/access.js';
import { selectRows } from '../../calcs/fast-sql.js';
import { listQueries, parseListParams } from '../../calcs/list-query.js';
import { presentListItem, type ListRow } from '../../calcs/presenters.js';
import { actorOf } from '../../middlewares/state.js';
import { absoluteUrl } from './urls.js';

/** Registers the list routes. */
export function listRoutes(router: Router, env: CalcEnv): void {
  router.get('/v1/calc/list', async function calcList(ctx) {
    const actor = actorOf(ctx);
    const params = parseListParams(ctx.query);
    const { page, count } = listQueries(await visibleOwners(env, actor), params);
    const [rows, total] = await Promise.all([
      selectRows<ListRow>(env.sequelize, page.sql, page.replacements),
      selectRows<{ n: number }>(env.sequelize, count.sql, count.replacements),
    ]);
    const base = absoluteUrl(ctx, env.settings, '/v1/calc/');
    ctx.set('X-Total-Count', String(total[0]?.n ?? 0));
    ctx.set('Access-Control-Expose-Headers', 'X-Total-Count');
    ctx.body = rows.map((r) => presentListItem(r, base));
  });

  router.get('/v1/calc/:id/status', async function calcStatus(ctx) {
    const { job } = await loadVisibleJob(env, actorOf(ctx), ctx.params.id);
    ctx.body = presentListItem(job, absoluteUrl(ctx, env.settings, '/v1/calc/'));
  });
}
