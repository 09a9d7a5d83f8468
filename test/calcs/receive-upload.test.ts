import { rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { receiveUpload } from '../../src/calcs/upload.js';
import { HttpError } from '../../src/errors.js';
import { tempDir } from '../helpers/server.js';

/** A request stream with multipart headers, fed by the test. */
function fakeRequest(boundary: string): PassThrough & { headers: Record<string, string> } {
  const req = new PassThrough() as PassThrough & { headers: Record<string, string> };
  req.headers = { 'content-type': `multipart/form-data; boundary=${boundary}` };
  return req;
}

function part(boundary: string, name: string, body: string): string {
  return `--${boundary}\r\nContent-Disposition: form-data; name="archive"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n${body}\r\n`;
}

describe('receiving a multipart upload', () => {
  it('a refusal right after a file was fully received settles at once (the file being written does not hold it)', async () => {
    const dir = tempDir('oq-receive-');
    try {
      const b = 'XyZ';
      const req = fakeRequest(b);
      const result = receiveUpload(req as unknown as IncomingMessage, dir, ['archive'], { maxBytes: 1000, maxFiles: 10 })
        .then(() => 'accepted', (err: unknown) => (err instanceof HttpError ? err.status : String(err)));
      // one whole small file (its end is known once the next part starts), then in the same tick more than the limit allows
      req.write(part(b, 'job.ini', '[general]\ncalculation_mode = classical\n'));
      const big = part(b, 'big.csv', 'a'.repeat(2000));
      const head = big.indexOf('\r\n\r\n') + 4;
      req.write(big.slice(0, head));
      req.write(big.slice(head));
      const settled = await Promise.race([result, new Promise((r) => setTimeout(() => r('still waiting'), 3000))]);
      expect(settled).to.equal(413);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
