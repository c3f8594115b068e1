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

const USAGE = 'usage: npm run shape -- --accounts <A> --regions <R> [--kind lambda-container|ecs-service] [--organization <o-id>] [--out <file>]';

run(() => {
  const values = parseFlags(USAGE, () =>
    parseArgs({ options: { accounts: { type: 'string' }, regions: { type: 'string' }, kind: { type: 'string' }, organization: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }).values,
  );
  if (typeof values === 'number') return values;
  const kind = values.kind ?? 'lambda-container';
  if (kind !== 'lambda-container' && kind !== 'ecs-service') throw new Error(`--kind must be lambda-container or ecs-service (got ${kind})`);
  const doc = shape(Number(values.accounts), Number(values.regions), kind, values.organization);
  const out = values.out ?? `bench/shapes/${String(doc.name).replace(/^shape-/, '')}.json`;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(out);
  return 0;
});
