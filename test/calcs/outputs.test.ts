import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { scanExports } from '../../src/calcs/outputs.js';
import { tempDir } from '../helpers/server.js';

describe('outputs of an export folder', () => {
  it('groups files by name without extension; the data-store key drops the _<calc id> suffix; folders and sizes count', async () => {
    const dir = tempDir('oq-exports-');
    try {
      writeFileSync(join(dir, 'hcurves_42.csv'), 'a'.repeat(1024));
      writeFileSync(join(dir, 'hcurves_42.xml'), 'b'.repeat(1024));
      writeFileSync(join(dir, 'realizations_42.csv'), 'c');
      mkdirSync(join(dir, 'maps'));
      writeFileSync(join(dir, 'maps', 'hmaps_42.csv'), 'd');
      const outputs = await scanExports(dir, 42);
      expect(outputs.map((o) => [o.ds_key, o.file_stem, o.export_types])).to.deep.equal([
        ['hcurves', 'hcurves_42', 'csv,xml'], ['hmaps', 'maps/hmaps_42', 'csv'], ['realizations', 'realizations_42', 'csv'],
      ]);
      expect(outputs[0].size_mb).to.equal(2048 / 1024 / 1024);
      expect(await scanExports(join(dir, 'missing'), 42)).to.deep.equal([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
