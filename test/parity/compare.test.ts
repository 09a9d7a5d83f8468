/**
 * The comparer names what differs: a doctored copy of a real-shaped response (one key of the list
 * presenter renamed, a status changed, a message reworded, an access rule loosened) gives exactly
 * one unexplained difference, named by route and field, while the untouched copy gives none.
 */
import { expect } from 'chai';
import { differences, type Captured } from './compare.js';
import { explain, readIntended, routeOf, type Case } from './corpus.js';
import { normalize } from './normalize.js';

const ctx = { base: 'http://127.0.0.1:8800', dirs: ['/tmp/x'], symbols: new Map([[7, '{done}']]), outputs: new Map<number, string>(), route: 'GET /v1/calc/list' };
const item = { id: 7, owner: 'owner', calculation_mode: 'classical', status: 'complete', is_running: false, description: 'd',
  url: 'http://127.0.0.1:8800/v1/calc/7', parent_id: null, abortable: false, size_mb: 0.1, start_time: '2026-12-05, 16:54:13 UTC', relevant: true, tags: 't1★' };

function captured(status: number, body: unknown, type = 'application/json'): Captured {
  return { status, headers: { 'content-type': type }, kind: 'json', body: normalize(body, ctx), accessLog: [] };
}
const listCase: Case = { line: 1, mode: 'RESTRICTED', actor: 'owner', method: 'GET', path: '/v1/calc/list', body: '', route: routeOf('GET', '/v1/calc/list') };
/** The differences docs/parity.md (or `intended`) does not explain, as `route field`. */
const unexplained = (c: Case, a: Captured, b: Captured, intended = readIntended()): string[] =>
  differences(a, b).filter((d) => !explain(c, d, intended)).map((d) => `${c.route} ${d.field}`);

describe('the parity comparer names the route and the field of a difference', () => {
  it('finds nothing between two copies of the same response', () => {
    expect(differences(captured(200, [item]), captured(200, [item]))).to.deep.equal([]);
  });

  it('names a renamed key of the list presenter', () => {
    const { owner, ...rest } = item;
    expect(unexplained(listCase, captured(200, [{ ...rest, user: owner }]), captured(200, [item])))
      .to.deep.equal(['GET /v1/calc/list $[*].owner', 'GET /v1/calc/list $[*].user']);
  });

  it('names a changed value of the list presenter (a tag without its star)', () => {
    // as the outsider: docs/parity.md explains the owner's `tags` by the refused calculation's place in the list
    const outsider: Case = { ...listCase, actor: 'outsider' };
    expect(unexplained(outsider, captured(200, [{ ...item, tags: 't1' }]), captured(200, [item]))).to.deep.equal(['GET /v1/calc/list $[*].tags']);
  });

  it('names a changed status code and a reworded message', () => {
    const c: Case = { ...listCase, method: 'POST', path: '/v1/calc/{done}/remove', route: routeOf('POST', '/v1/calc/{done}/remove') };
    const theirs = captured(403, { error: 'Cannot delete calculation 7: it belongs to owner and you are member' });
    // against no intended differences: the naming alone
    expect(unexplained(c, captured(400, { error: 'Cannot delete calculation 7: it belongs to owner and you are member' }), theirs, []))
      .to.deep.equal(['POST /v1/calc/{id}/remove status']);
    expect(unexplained(c, captured(403, { error: 'Cannot remove calculation 7: it belongs to owner and you are member' }), theirs, []))
      .to.deep.equal(['POST /v1/calc/{id}/remove $.error']);
  });

  it('names a loosened access rule: an outsider given what the original refuses', () => {
    const c: Case = { ...listCase, actor: 'outsider', path: '/v1/calc/{done}/results', route: routeOf('GET', '/v1/calc/{done}/results') };
    const refused: Captured = { status: 403, headers: { 'content-type': 'text/html', charset: 'utf-8' }, kind: 'empty', body: null, accessLog: [] };
    const given = captured(200, [{ id: 1, name: 'Hazard Curves' }]);
    expect(unexplained(c, { ...given, headers: refused.headers }, refused, [])).to.deep.equal(['GET /v1/calc/{id}/results status', 'GET /v1/calc/{id}/results body']);
  });
});
