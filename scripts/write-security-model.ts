// Writes the README's security model table from verify's paths on every shipped environment: `npm run security-model`.
// A test fails when the README is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { shippedSecurityModel, withSecurityModel } from '../cli/security-model-readme';

shippedSecurityModel().then((table) => writeFileSync('README.md', withSecurityModel(readFileSync('README.md', 'utf8'), table)));
