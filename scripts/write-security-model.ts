// Writes the README's security model table (verify's paths) and security facts (read from the plans) from every
// shipped environment: `npm run security-model`. A test fails when the README is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { shippedSecurityModel, withSecurityModel } from '../cli/security-model-readme';

shippedSecurityModel().then((model) => writeFileSync('README.md', withSecurityModel(readFileSync('README.md', 'utf8'), model)));
