// Writes config/schema.json from the zod schema: `npm run schema`. A test fails when it is stale.
import { writeFileSync } from 'node:fs';
import { environmentJsonSchema } from '../src/config/json-schema';

writeFileSync('config/schema.json', `${JSON.stringify(environmentJsonSchema(), null, 2)}\n`);
