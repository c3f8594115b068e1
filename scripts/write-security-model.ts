// Writes the security model table (verify's paths) and security facts (read from the plans) of docs/security.md
// from every shipped environment: `npm run security-model`. A test fails when docs/security.md is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { shippedSecurityModel, withSecurityModel } from '../cli/security-model-readme';

shippedSecurityModel().then((model) => writeFileSync('docs/security.md', withSecurityModel(readFileSync('docs/security.md', 'utf8'), model)));
