/** GET /v1/calc/list and /v1/calc/:id/status: list items of the calculations the caller may see. */
import type Router from '@koa/router';
import type { CalcEnv } from '../../calcs/env.js';
import type { Actor } from '../../auth/actor.js';
import { listParamsOf, type ListParams } from '../../calcs/list-params.js';
import { presentListItem, settleAbortable } from '../../calcs/presenters.js';
import { listPage, listPagePresented } from '../../data/calculation-list.js';
import { actorOf } from '../../middlewares/state.js';
import { loadCalculationFor } from '../../policies/load-calculation.js';
import { absoluteUrl } from './urls.js';

/** The page's JSON as SQLite presents it, or as presentListItem does when SQLite cannot. */
async function presentedList(env: CalcEnv, actor: Actor, params: ListParams, base: string): Promise<{ body: string; total: number }> {
  const page = await listPagePresented(env.models, actor, params, base);
  if (page !== null) {
    return { body: page.pidsToCheck ? settleAbortable(page.json) : page.json, total: page.total };
  }
  const { rows, total } = await listPage(env.models, actor, params);
  return { body: JSON.stringify(rows.map((r) => presentListItem(r, base))), total };
}

/** Registers the list routes. */
export function listRoutes(router: Router, env: CalcEnv): void {
  router.get('/v1/calc/list', async function calcList(ctx) {
    const actor = actorOf(ctx);
    const params = listParamsOf(ctx.querystring, () => ctx.query);
    const base = absoluteUrl(ctx, env.settings, '/v1/calc/');
    const version = await env.listCache.version();
    // what the answer depends on besides the database: who asks, what, and the URLs' base
    const key = version === null ? '' : JSON.stringify([actor.username, actor.groupIds, actor.isSuperuser, actor.unrestricted, params, base]);
    let answer = env.listCache.get(key, version);
    if (answer === null) {
      answer = await presentedList(env, actor, params, base);
      env.listCache.set(key, version, answer.body, answer.total);
    }
    ctx.set('X-Total-Count', String(answer.total));
    ctx.set('Access-Control-Expose-Headers', 'X-Total-Count');
    ctx.set('Content-Type', 'application/json; charset=utf-8');
    ctx.body = answer.body;
  });

  router.get('/v1/calc/:id/status', async function calcStatus(ctx) {
    const { job } = await loadCalculationFor(env.models, actorOf(ctx), ctx.params.id, 'see', { aclOn: env.settings.ACL_ON });
    ctx.body = presentListItem(job, absoluteUrl(ctx, env.settings, '/v1/calc/'));
  });
}
