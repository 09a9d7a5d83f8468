import { expect } from 'chai';
import { listTime, logTime, presentOutput, pythonTime } from '../../src/calcs/presenters.js';
import { parseLogSlice } from '../../src/routes/calcs/show.js';

describe('presenters: the original formats', () => {
  it('list start_time: "YYYY-MM-DD, HH:MM:SS UTC", from a Date or SQLite text', () => {
    expect(listTime(new Date(Date.UTC(2025, 0, 31, 14, 5, 9, 123)))).to.equal('2025-01-31, 14:05:09 UTC');
    expect(listTime('2025-01-31 14:05:09.123 +00:00')).to.equal('2025-01-31, 14:05:09 UTC');
    expect(listTime(null)).to.equal(null);
  });

  it('calc info times as Python str(datetime)', () => {
    expect(pythonTime('2025-01-31 14:05:09.120 +00:00')).to.equal('2025-01-31 14:05:09.120000');
    expect(pythonTime('2025-01-31 14:05:09.000 +00:00')).to.equal('2025-01-31 14:05:09');
  });

  it('log timestamps as isoformat()[:22]', () => {
    expect(logTime('2016-08-29 15:42:34.984 +00:00')).to.equal('2016-08-29T15:42:34.98');
    expect(logTime('2016-08-29 15:42:34.000 +00:00')).to.equal('2016-08-29T15:42:34');
  });

  it('results: name, type, outtypes and the download URL of the first type, as the original', () => {
    expect(presentOutput({ id: 7, display_name: 'Hazard Curves', ds_key: 'hcurves', export_types: 'csv,npz', size_mb: 0.5 }, 'http://h/v1/calc/result/'))
      .to.deep.equal({ id: 7, name: 'Hazard Curves', type: 'hcurves', outtypes: ['csv', 'npz'], url: 'http://h/v1/calc/result/7?export_type=csv', size_mb: 0.5 });
  });

  it('log slices: empty start = 0, empty or 0 stop = to the end', () => {
    expect(parseLogSlice(':')).to.deep.equal({ offset: 0, limit: -1 });
    expect(parseLogSlice('10:')).to.deep.equal({ offset: 10, limit: -1 });
    expect(parseLogSlice('10:0')).to.deep.equal({ offset: 10, limit: -1 });
    expect(parseLogSlice('2:5')).to.deep.equal({ offset: 2, limit: 3 });
    expect(() => parseLogSlice('5:2')).to.throw(/stop is before start/);
    expect(() => parseLogSlice('a:b')).to.throw(/Invalid log slice/);
  });
});
