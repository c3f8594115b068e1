// Writes config/schema.json and the field reference of docs/environment-file.md from the zod schema: `npm run schema`.
// A test fails when either is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { environmentJsonSchema } from '../src/config/json-schema';
import { environmentFileReference, withEnvironmentFileReference } from '../cli/environment-file-reference';

const schema = environmentJsonSchema();
writeFileSync('config/schema.json', `${JSON.stringify(schema, null, 2)}\n`);
writeFileSync('docs/environment-file.md', withEnvironmentFileReference(readFileSync('docs/environment-file.md', 'utf8'), environmentFileReference(schema)));
