import { expect } from 'chai';
import { MAX_OFFSET, parseListParams, parseStartTime } from '../../src/calcs/list-params.js';
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

  it('bounds limit and offset: a number SQLite cannot take is a 400 naming the parameter, not a 500', () => {
    for (const offset of ['9223372036854775296', '9223372036854775807', '99999999999999999999', String(MAX_OFFSET + 1)]) {
      expect(() => parseListParams({ offset }), offset).to.throw(HttpError, /^Invalid offset: /);
    }
    expect(parseListParams({ offset: String(MAX_OFFSET) }).offset).to.equal(MAX_OFFSET);
    expect(() => parseListParams({ limit: '99999999999999999999' })).to.throw(HttpError, /^Invalid limit: /);
    expect(parseListParams({ limit: '5000' }).limit).to.equal(1000);
  });

  it('refuses control characters in the text filters', () => {
    expect(() => parseListParams({ user_name_like: 'a\u0000b' })).to.throw(HttpError, /^Invalid user_name_like: /);
    expect(() => parseListParams({ calculation_mode: 'classical\u0000' })).to.throw(HttpError, /^Invalid calculation_mode: /);
  });
});
