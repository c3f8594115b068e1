/**
 * Writes an environment file of any shape: A target accounts x R regions, spread over dev/test/prod.
 *   npm run shape -- --accounts 20 --regions 5 [--out bench/shapes/20x5.json]
 * then: npm run synth -- --config bench/shapes/20x5.json
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { parseFlags, run } from '../cli/flags';
import { shape } from './shape-generator';

const USAGE = 'usage: npm run shape -- --accounts <A> --regions <R> [--out <file>]';

run(() => {
  const values = parseFlags(USAGE, () =>
    parseArgs({ options: { accounts: { type: 'string' }, regions: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }).values,
  );
  if (typeof values === 'number') return values;
  const doc = shape(Number(values.accounts), Number(values.regions));
  const out = values.out ?? `bench/shapes/${values.accounts}x${values.regions}.json`;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(out);
  return 0;
});
