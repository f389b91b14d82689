/**
 * The Terraform module of the terraform tests' cluster (test/terraform/fixture.ts), every file
 * of it held as a golden file: `kubernetes.tf.json` and the files under `data/`.
 */

import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../support/cli.js';
import { expectGolden } from '../../support/golden.js';
import { fixtureModule } from '../../terraform/fixture.js';

const FOLDER = 'terraform/module';

describe('the terraform target', () => {
  it('writes the module of the test cluster as in the golden files', async () => {
    const module = await fixtureModule();
    for (const [path, text] of module.files) await expectGolden(`${FOLDER}/${path}`, text);
    if (process.env.HOIST_UPDATE_GOLDEN === '1') return;
    // A file the module no longer has must go from the golden folder too.
    const dataDir = join(ROOT, 'test/golden', FOLDER, 'data');
    const held = existsSync(dataDir) ? (await readdir(dataDir)).map((f) => `data/${f}`) : [];
    expect(held.sort()).toEqual([...module.files.keys()].filter((p) => p.startsWith('data/')).sort());
  });

  it('renders the same bytes every time', async () => {
    expect([...(await fixtureModule()).files]).toEqual([...(await fixtureModule()).files]);
  });
});
