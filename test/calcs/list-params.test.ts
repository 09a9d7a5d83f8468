import { expect } from 'chai';
import { parseListParams, parseStartTime } from '../../src/calcs/list-query.js';
import { HttpError } from '../../src/errors.js';

describe('list parameters', () => {
  it('defaults: 100 newest first, shared included', () => {
    expect(parseListParams({})).to.deep.include({ limit: 100, offset: 0, orderBy: 'id', orderDir: 'DESC', includeShared: true });
  });

  it('accepts the original names: owner and parent_id for order_by, booleans as true/false/1/0', () => {
    const p = parseListParams({ order_by: 'owner', order_dir: 'asc', is_running: '0', include_shared: 'false', limit: '7', offset: '3' });
    expect(p).to.deep.include({ orderBy: 'user_name', orderDir: 'ASC', isRunning: false, includeShared: false, limit: 7, offset: 3 });
    expect(parseListParams({ order_by: 'parent_id' }).orderBy).to.equal('hazard_calculation_id');
  });

  it('never lets order_by reach the SQL unless it is a known column', () => {
    expect(() => parseListParams({ order_by: 'id; DROP TABLE job' })).to.throw(HttpError, /Invalid order_by/);
  });

  it('reads start_time as UTC, with or without a time', () => {
    expect(parseStartTime('2025-01-31').toISOString()).to.equal('2025-01-31T00:00:00.000Z');
    expect(parseStartTime('2025-01-31 14:05:09').toISOString()).to.equal('2025-01-31T14:05:09.000Z');
    expect(parseStartTime('2025-01-31T14:05:09.5Z').toISOString()).to.equal('2025-01-31T14:05:09.500Z');
    expect(parseStartTime('2025-01-31, 14:05:09 UTC').toISOString()).to.equal('2025-01-31T14:05:09.000Z');
    expect(() => parseStartTime('2025-02-30')).to.throw(HttpError, /Invalid start_time/);
  });
});
