import { expect } from 'chai';
import { LineTail, tracebackFrom } from '../../src/runner/traceback.js';

describe('traceback of a failed run', () => {
  it('is the last Python traceback on stderr, to the end', () => {
    const tail = new LineTail(10);
    ['noise', 'Traceback (most recent call last):', '  old', 'ValueError: old', 'more noise', 'Traceback (most recent call last):', '  File "x", line 1', 'RuntimeError: boom'].forEach((l) => tail.push(l));
    expect(tracebackFrom(tail.all)).to.deep.equal(['Traceback (most recent call last):', '  File "x", line 1', 'RuntimeError: boom']);
  });

  it('is the last non-blank lines when there is no traceback', () => {
    expect(tracebackFrom(['', 'error: cannot open job.ini', '   '])).to.deep.equal(['error: cannot open job.ini']);
  });

  it('keeps only the last lines of a long stderr', () => {
    const tail = new LineTail(3);
    ['1', '2', '3', '4', '5'].forEach((l) => tail.push(l));
    expect(tail.all).to.deep.equal(['3', '4', '5']);
  });
});
