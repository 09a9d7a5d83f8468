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
    const base = absoluteUrl(ctx, env.settings, '/v1/calc/');
    // what the answer depends on besides the database: who asks, what, and the URLs' base
    const key = JSON.stringify([actor.username, actor.groupIds, actor.isSuperuser, actor.unrestricted, params, base]);
    const version = await env.listCache.version();
    let answer = env.listCache.get(key, version);
    if (answer === null) {
      const { page, count } = listQueries(await visibleOwners(env, actor), params);
      const [rows, total] = await Promise.all([
        selectRows<ListRow>(env.sequelize, page.sql, page.replacements),
        selectRows<{ n: number }>(env.sequelize, count.sql, count.replacements),
      ]);
      answer = { body: JSON.stringify(rows.map((r) => presentListItem(r, base))), total: Number(total[0]?.n ?? 0) };
      env.listCache.set(key, version, answer.body, answer.total);
    }
    ctx.set('X-Total-Count', String(answer.total));
    ctx.set('Access-Control-Expose-Headers', 'X-Total-Count');
    ctx.type = 'application/json';
    ctx.body = answer.body;
  });

  router.get('/v1/calc/:id/status', async function calcStatus(ctx) {
    const { job } = await loadVisibleJob(env, actorOf(ctx), ctx.params.id);
    ctx.body = presentListItem(job, absoluteUrl(ctx, env.settings, '/v1/calc/'));
  });
}
