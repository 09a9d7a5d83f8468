import { expect } from 'chai';
import { accessLine } from '../../src/logging/access-line.js';
import { logMessage, oneLine } from '../../src/logging/escape.js';
import { serverLine } from '../../src/logging/line-format.js';
import { webuiAccessLine } from '../../src/logging/webui-access-line.js';

const FORGED = '[2026-01-01 00:00:00 +0000] [1] [CRITICAL] forged';

describe('log formatters: client-chosen text stays on its line', function () {
  it('server log: CR, LF and control characters in a message are escaped, so no record can be forged', function () {
    const line = serverLine('warning', `Login of "x\r\n${FORGED}\u001b[31m\u0000" refused`, 42);
    expect(line.split('\n')).to.have.length(1);
    expect(line).to.match(/^\[[^\]]+\] \[42\] \[WARNING\] Login of "x\\r\\n\[2026-01-01 00:00:00 \+0000\] \[1\] \[CRITICAL\] forged\\x1b\[31m\\x00" refused$/);
  });

  it('server log: a stack trace keeps its indented lines (they cannot pass for records)', function () {
    const stack = 'Error: boom\n    at f (file.js:1:1)\n    at g (file.js:2:2)';
    const lines = serverLine('error', `GET / failed: ${stack}`, 1).split('\n');
    expect(lines).to.have.length(3);
    expect(lines.slice(1).every((l) => l.startsWith('    at '))).to.equal(true);
    expect(logMessage(`a\n${FORGED}`)).to.equal(`a\\n${FORGED}`);
  });

  it('access.log: the user, request, referer and user agent cannot add a line or a field', function () {
    const line = accessLine({
      ip: '127.0.0.1', user: `bob\n${FORGED}`, time: new Date(0), method: 'GET', url: '/x\r\ny', httpVersion: '1.1',
      status: 200, bytes: 2, referer: `r"\n${FORGED}`, userAgent: 'ua\u0007', durationMs: 1,
    });
    expect(line.endsWith('\n')).to.equal(true);
    expect(line.slice(0, -1).split('\n')).to.have.length(1);
    expect(line).to.include('bob\\n[2026-01-01\\x2000:00:00');
    expect(line).to.include('"GET /x\\r\\ny HTTP/1.1"').and.include('"r\\"\\n[2026').and.include('"ua\\x07"');
  });

  it('webui-access.log: a message stays one line', function () {
    const line = webuiAccessLine('WARNING', `User "a\n${FORGED}" failed`);
    expect(line.slice(0, -1).split('\n')).to.have.length(1);
    expect(oneLine('tab\tkept')).to.equal('tab\tkept');
    expect(oneLine('\u2028')).to.equal('\\u2028');
  });
});
