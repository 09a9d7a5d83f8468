import { expect } from 'chai';
import { CrashBackoff, STABLE_AFTER_MS } from '../../master/backoff.js';

describe('master: crash backoff', function () {
  it('restarts the first crashes at once, then doubles the delay up to a cap of 15 s', function () {
    const b = new CrashBackoff();
    const delays = Array.from({ length: 12 }, () => b.crashed(100, 0));
    expect(delays).to.deep.equal([0, 0, 0, 500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000, 15_000]);
  });

  it('forgets the streak once a child stayed up for the stable period', function () {
    const b = new CrashBackoff();
    for (let i = 0; i < 6; i += 1) {
      b.crashed(100, 0);
    }
    expect(b.crashed(STABLE_AFTER_MS, 0)).to.equal(0);
    expect(b.crashed(100, 0)).to.equal(0);
  });

  it('allows the next start only once the delay has passed', function () {
    const b = new CrashBackoff();
    for (let i = 0; i < 4; i += 1) {
      b.crashed(100, 1000);
    }
    expect(b.ready(1000)).to.equal(false);
    expect(b.wait(1200)).to.equal(300);
    expect(b.ready(1500)).to.equal(true);
  });
});
