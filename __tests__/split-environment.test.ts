import { Testing } from 'cdktf';
import { parseEnvironment } from '../src/environment/load';
import { backendFor, stackParts, targetStackName } from '../src/model/stack-parts';
import { EnvironmentStack } from '../stacks/environment-stack';
import { TargetAccountsStack } from '../stacks/target-accounts-stack';
import { verifyPlan } from '../src/verify';
import { assembleEnvironments } from '../src/plan/environment-plans';
import { summarize } from '../cli/summary';
import { GITHUB_MATRIX_JOBS, ciListing, perStack, withinMatrix } from '../src/ci/listing';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV, PROD, TEST, example, synth, withoutMappedStacks } from './support';

type Json = Record<string, any>;

/** The stacks of the example split `perStack` target accounts to a stack, synthesized as cdktf writes them. */
function split(perStack: number, edit: (doc: Json) => void = () => {}) {
  const doc: Json = { ...example(), name: 'example' };
  edit(doc);
  const config = parseEnvironment({ ...doc, targetAccountsPerStack: perStack } as never, 'config/example.json');
  return withoutMappedStacks(() => {
    const app = Testing.app();
    const { main, targets } = stackParts(config.name, [DEV, TEST, PROD], perStack);
    const tooling = new EnvironmentStack(app, config, { part: main });
    const parts = targets.map((part) => new TargetAccountsStack(app, config, part));
    const stacks = [tooling, ...parts].map((s) => ({ name: s.node.id, json: JSON.parse(Testing.synth(s)) as Json }));
    return { tooling, parts, stacks };
  });
}

const addresses = (json: Json) => Object.entries(json.resource ?? {}).flatMap(([type, byName]) => Object.keys(byName as Json).map((name) => `${type}.${name}`)).sort();
/** Every `${type.name...}` a stack refers to. */
const references = (json: Json) => [
  ...[...JSON.stringify(json.resource ?? {}).matchAll(/\$\{(aws_[a-z0-9_]+\.[A-Za-z0-9_-]+)/g)].map((m) => m[1]!),
  ...Object.values(json.resource ?? {}).flatMap((byName) => Object.values(byName as Json).flatMap((body: Json) => (body.depends_on ?? []) as string[])),
];

describe('stack parts', () => {
  it('is the whole environment without a size, else the tooling stack and target stacks in order', () => {
    expect(stackParts('e', ['1', '2', '3'])).toEqual({ main: { kind: 'whole', name: 'e' }, targets: [] });
    expect(stackParts('e', ['1', '2', '3'], 2)).toEqual({
      main: { kind: 'tooling', name: 'e', targetStacks: ['e-targets-1', 'e-targets-2'] },
      targets: [
        { kind: 'targets', name: 'e-targets-1', environment: 'e', accounts: ['1', '2'] },
        { kind: 'targets', name: 'e-targets-2', environment: 'e', accounts: ['3'] },
      ],
    });
    expect(() => stackParts('e', ['1'], 0)).toThrow(/at least 1/);
  });

  it('gives each target stack a state of its own', () => {
    const part = stackParts('e', ['1'], 1).targets[0]!;
    expect(backendFor({ type: 's3', bucket: 'b', key: 'envs/e.tfstate', region: 'eu-west-1' } as never, part)).toMatchObject({ key: 'envs/e-targets-1.tfstate' });
    expect(backendFor({ type: 'cloud', hostname: 'app.terraform.io', organization: 'o', workspace: 'e', project: 'p' } as never, part)).toMatchObject({ workspace: 'e-targets-1', project: 'p' });
    expect(backendFor({ type: 'local' }, part)).toEqual({ type: 'local' });
  });
});

describe('a split environment', () => {
  const { json: whole } = synth();
  const { tooling, parts, stacks } = split(2);

  it('holds exactly the resources of the whole environment, each once', () => {
    expect(stacks.map((s) => s.name)).toEqual(['example', targetStackName('example', 1), targetStackName('example', 2)]);
    expect(stacks.flatMap((s) => addresses(s.json)).sort()).toEqual(addresses(whole));
    // The tooling stack holds the tooling account; each target stack only its accounts' roles.
    expect(addresses(stacks[1]!.json).every((a) => a.includes(`deploy-roles-${DEV}`) || a.includes(`deploy-roles-${TEST}`))).toBe(true);
    expect(addresses(stacks[2]!.json).every((a) => a.includes(`deploy-roles-${PROD}`))).toBe(true);
  });

  it('refers to nothing outside each stack, so each plans and applies alone', () => {
    for (const { name, json } of stacks) {
      const own = new Set(addresses(json));
      expect({ name, dangling: references(json).filter((r) => !own.has(r)) }).toEqual({ name, dangling: [] });
    }
    // A target stack has one provider an account (IAM is global), none of the tooling account.
    expect(stacks[1]!.json.provider.aws.map((p: Json) => p.allowed_account_ids)).toEqual([[DEV], [TEST]]);
  });

  it('grants the target roles the artifact keys by alias, as the tooling stack names them', () => {
    const policy = JSON.parse(stacks[1]!.json.resource.aws_iam_role_policy[Object.keys(stacks[1]!.json.resource.aws_iam_role_policy).find((n) => n.includes(`${TEST}_action`))!].policy);
    const keys = policy.Statement.find((s: Json) => s.Sid === 'ArtifactKeysReadByAlias');
    expect(keys).toEqual({
      Sid: 'ArtifactKeysReadByAlias',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:DescribeKey'],
      Resource: ['arn:aws:kms:eu-west-1:111111111111:key/*', 'arn:aws:kms:us-east-1:111111111111:key/*'],
      Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/orders-api-example-artifacts'] } },
    });
    const aliases = Object.values(stacks[0]!.json.resource.aws_kms_alias as Json).map((a: Json) => a.name);
    expect(new Set(aliases)).toEqual(new Set(['alias/orders-api-example-artifacts']));
  });

  it('verifies as one plan with the same paths as the whole environment', async () => {
    const [assembled] = assembleEnvironments(stacks);
    const [v, w] = await Promise.all([verifyPlan('example', assembled!.json), verifyPlan('example', whole)]);
    expect(v.access.filter((a) => !a.ok)).toEqual([]);
    expect(v.ok).toBe(true);
    const paths = (x: typeof v) => x.access.map((a) => `${a.expect} ${a.principal} ${a.action} ${a.resource}`).sort();
    expect(paths(v)).toEqual(paths(w));
  });

  it('fails verify when a target stack grants a key by an alias the tooling stack does not give', async () => {
    const edited = JSON.parse(JSON.stringify(stacks)) as typeof stacks;
    for (const body of Object.values(edited[1]!.json.resource.aws_iam_role_policy as Json)) body.policy = body.policy.replaceAll('alias/orders-api-example-artifacts', 'alias/orders-api-example-old');
    const v = await verifyPlan('example', assembleEnvironments(edited)[0]!.json);
    expect(v.access.filter((a) => !a.ok).map((a) => `${a.principal} ${a.action}`)).toContain(`role orders-api-example-deploy (${DEV}) kms:Decrypt`);
  });

  it('refuses to verify part of an environment', () => {
    expect(() => assembleEnvironments(stacks.slice(0, 2))).toThrow(/environment example has the target stack example-targets-2, which is not among the stacks to verify: give every stack of the environment/);
    expect(() => assembleEnvironments(stacks.slice(1))).toThrow(/example-targets-1 \(of environment example\), example-targets-2 \(of environment example\): a target stack is verified with its environment's tooling stack/);
  });

  it('says in the synth summary which stacks hold what, and what the first run needs', () => {
    const text = summarize(tooling, parts);
    expect(text).toMatch(/^environment example: 48 resources, 5 providers/);
    expect(text).toMatch(/stacks: example \(tooling, 2 providers\), example-targets-1 \(2 accounts\), example-targets-2 \(1 account\)/);
    expect(text).toMatch(/apply every target stack before the pipeline's first deploy \(output target_stacks\)/);
    expect(stacks[0]!.json.output.target_stacks.value).toEqual(['example-targets-1', 'example-targets-2']);
  });
});

describe('CI for a split environment', () => {
  it('lists one row a stack for the workflows with --per-stack, and refuses a matrix GitHub would not start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'list-'));
    const file = join(dir, 'example.json');
    writeFileSync(file, JSON.stringify({ ...example(), name: 'example', targetAccountsPerStack: 2 }));
    const list = (...args: string[]) => spawnSync('bash', ['bin/run', 'main.ts', '--list', '--config', file, ...args], { encoding: 'utf8', env: { ...process.env, CI: '' } });
    const rows = JSON.parse(list('--per-stack').stdout);
    expect(rows.map((r: Json) => [r.name, r.stack, r.verify, r.file])).toEqual([
      ['example', 'example', true, file],
      ['example', 'example-targets-1', false, file],
      ['example', 'example-targets-2', false, file],
    ]);
    expect(JSON.parse(list().stdout).map((r: Json) => r.stacks)).toEqual([['example', 'example-targets-1', 'example-targets-2']]);
    expect(withinMatrix(Array(GITHUB_MATRIX_JOBS).fill(0), 'stacks')).toHaveLength(256);
    expect(() => withinMatrix(Array(GITHUB_MATRIX_JOBS + 1).fill(0), 'stacks of environment prod')).toThrow(/257 stacks of environment prod make a matrix of more than GitHub's 256 jobs a workflow run: raise targetAccountsPerStack/);
  });

  it('lists every stack for the CI matrices, the main one first and the only one verify runs on', () => {
    const config = parseEnvironment({ ...example(), targetAccountsPerStack: 2 } as never, 'config/example.json');
    const listing = ciListing(config);
    // The oracle: the stacks cdktf writes for the same environment.
    expect(listing.stacks).toEqual(split(2).stacks.map((s) => s.name));
    expect(perStack(listing).map(({ stack, verify }) => ({ stack, verify }))).toEqual([
      { stack: 'example', verify: true },
      { stack: 'example-targets-1', verify: false },
      { stack: 'example-targets-2', verify: false },
    ]);
    expect(perStack(listing)[1]).toMatchObject({ name: 'example', applyRoleArn: listing.applyRoleArn });
    expect(ciListing(parseEnvironment(example(), 'config/example.json')).stacks).toEqual(['example']);
  });
});

describe('a large environment in one stack', () => {
  it('is told how to split it, with the memory its plan needs', () => {
    const doc = example();
    doc.stages[0]!.targets = Array.from({ length: 20 }, (_, i) => ({ account: String(500000000000 + i), regions: ['eu-west-1'] }));
    const { stack } = synth(doc);
    // A provider configuration per place in use: the 2 tooling regions, and one per target account (IAM is global).
    expect(stack.providers.all.length).toBe(24);
    expect(summarize(stack)).toMatch(/note: 22 target accounts in one stack: its plan needs about 2\.3 GiB; "targetAccountsPerStack": 15 splits it into stacks of at most 2 GiB each/);
    expect(summarize(synth().stack)).not.toMatch(/targetAccountsPerStack/);
  });
});
