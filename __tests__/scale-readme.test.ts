import { readFileSync } from 'node:fs';
import { shape } from '../bench/shape-generator';
import { iamSize } from '../src/policy/limits';
import { synth, withoutMappedStacks } from './support';
import { Testing } from 'cdktf';
import { parseEnvironment } from '../src/environment/load';
import { stackParts } from '../src/model/stack-parts';
import { environmentTopology } from '../src/workloads/registry';
import { EnvironmentStack } from '../stacks/environment-stack';

type Json = Record<string, any>;
const n = (value: number) => value.toLocaleString('en-US');

/** What the "Scale" table of docs/performance.md says of a shape, computed from its synthesized plan as each service measures. */
function row(accounts: number, regions: number, kind: 'lambda-container' | 'ecs-service'): string[] {
  const { json } = synth(shape(accounts, regions, kind), `bench/shapes/${accounts}x${regions}.json`);
  const sizes = (type: string, measure: (text: string) => number) => Math.max(...Object.values(json.resource[type] ?? {}).map((b: Json) => measure(b.policy)));
  const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
  const pipeline = Object.values(json.resource.aws_codepipeline!)[0] as Json;
  const actions = (pipeline.stage as Json[]).reduce((sum, stage) => sum + (stage.action as Json[]).length, 0);
  // The role with the most policy text: its inline policy and the managed policies its permissions overflow into.
  const roleOf = (name: string) => name.replace(/_permissions[-_].*$/, '');
  const roles = new Map<string, { inline: number; managed: number[] }>();
  for (const [name, b] of Object.entries(json.resource.aws_iam_role_policy!)) roles.set(roleOf(name), { inline: iamSize((b as Json).policy), managed: [] });
  for (const [name, b] of Object.entries(json.resource.aws_iam_policy ?? {})) roles.get(roleOf(name))?.managed.push(iamSize((b as Json).policy));
  const total = (r: { inline: number; managed: number[] }) => r.inline + r.managed.reduce((x, y) => x + y, 0);
  const [role, largest] = [...roles].reduce((a, b) => (total(b[1]) > total(a[1]) ? b : a));
  return [
    `${n(sizes('aws_s3_bucket_policy', bytes))} of 20,480 B`,
    `${n(sizes('aws_kms_key', bytes))} of 32,768 B`,
    `${n(sizes('aws_ecr_repository_policy', iamSize))} of 10,240`,
    `${role.replace(/_role$/, ' role')}: ${n(largest.inline)} inline${largest.managed.length ? ` + ${largest.managed.length} managed (largest ${n(Math.max(...largest.managed))} of 6,144)` : ''}`,
    `${(pipeline.stage as Json[]).length} stages, ${actions} of 500 actions`,
  ];
}

describe('the "Scale" table of docs/performance.md', () => {
  const doc = readFileSync('docs/performance.md', 'utf8');
  const table = doc.slice(doc.indexOf('| shape (accounts x regions) | bucket policy |'));
  const cells = (label: string) => {
    const line = table.split('\n').find((l) => l.startsWith(`| ${label} |`));
    if (!line) throw new Error(`docs/performance.md has no row "${label}"`);
    return line.split('|').slice(2, -1).map((c) => c.trim());
  };
  it.each([
    ['200 x 1 (lambda-container)', 200, 1, 'lambda-container'],
    ['100 x 3 (ecs-service)', 100, 3, 'ecs-service'],
  ] as const)('is what %s synthesizes', (label, accounts, regions, kind) => {
    expect(cells(label)).toEqual(row(accounts, regions, kind));
  });
});

describe('the "Scale" table of split shapes in docs/performance.md', () => {
  const doc = readFileSync('docs/performance.md', 'utf8');
  // What the plans say of each measured shape: the stacks synth writes and the pipelines of the tooling stack.
  it.each([
    [1000, 1, 15],
    [1000, 1, 16],
    [300, 3, 16],
  ])('names the stacks and pipelines %i x %i synthesizes, %i accounts a stack', (accounts, regions, perStack) => {
    const config = parseEnvironment({ ...shape(accounts, regions, 'lambda-container', 'o-abcdefghij'), targetAccountsPerStack: perStack } as never, `bench/shapes/${accounts}x${regions}.json`);
    const { main, targets } = stackParts(config.name, environmentTopology(config).targets.map((t) => t.account), perStack);
    const tooling = withoutMappedStacks(() => JSON.parse(Testing.synth(new EnvironmentStack(Testing.app(), config, { part: main }))) as Json);
    const pipelines = Object.keys(tooling.resource.aws_codepipeline).length;
    const label = `| ${n(accounts)} x ${regions}, ${perStack} | 1 + ${targets.length} | ${pipelines} |`;
    expect(doc).toContain(label);
  });
});
