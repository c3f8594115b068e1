// Adds or refreshes resource types in src/workloads/cfn-handler-permissions.json from CloudFormation registry
// schemas: `npm run cfn-handlers -- [--source <where from>] <schema.json>...`. Get a schema with
// `aws cloudformation describe-type --type RESOURCE --type-name AWS::SQS::Queue --query Schema --output text`.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { handlerTableEntry } from '../src/workloads/handler-table';

const TABLE = 'src/workloads/cfn-handler-permissions.json';
const { values, positionals } = parseArgs({ options: { source: { type: 'string' } }, allowPositionals: true });
if (positionals.length === 0) {
  console.error('usage: npm run cfn-handlers -- [--source <where from>] <schema.json>...');
  process.exit(2);
}
const table = JSON.parse(readFileSync(TABLE, 'utf8')) as Record<string, unknown>;
for (const file of positionals) {
  const [typeName, entry] = handlerTableEntry(JSON.parse(readFileSync(file, 'utf8')), values.source ?? file);
  table[typeName] = entry;
  console.log(`${typeName}: ${Object.keys(entry.handlers).join(', ')} handlers from ${entry.source}`);
}
const sorted = Object.fromEntries(Object.entries(table).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(TABLE, `${JSON.stringify(sorted, null, 2)}\n`);
