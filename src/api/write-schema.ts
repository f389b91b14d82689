/**
 * `npm run schema`: writes docs/schema/*.json and the field tables of docs/spec-reference.md.
 * A test fails when the committed files differ from what this writes.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonSchemaFiles } from './json-schema.js';
import { renderSpecReference, SPEC_REFERENCE_FILE } from './reference.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

for (const file of jsonSchemaFiles()) writeFileSync(join(root, file.path), file.text);
const referencePath = join(root, SPEC_REFERENCE_FILE);
writeFileSync(referencePath, renderSpecReference(readFileSync(referencePath, 'utf8')));
process.stdout.write(`wrote ${[...jsonSchemaFiles().map((f) => f.path), SPEC_REFERENCE_FILE].join(', ')}\n`);
