import { readFileSync } from 'node:fs';
import { parse } from 'jsonc-parser';
import { verifyPlan, Verification } from '../src/verify';
import { iamSize } from '../src/policy/limits';
import { shape } from '../bench/shape-generator';
import { DEV, Synthesized, example, synth } from './support';

type Json = Record<string, any>;
const ORG = { id: 'o-a1b2c3d4e5', paths: ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/'] };
const organized = () => ({ ...example(), organization: ORG });
const { json: good } = synth(organized());
const fresh = (): Synthesized => JSON.parse(JSON.stringify(good));
const DEPLOY = 'orders-api-example-deploy';

const failing = (v: Verification) => v.access.filter((a) => !a.ok).map((a) => `${a.principal} ${a.action} ${a.resource}`);
const passing = (v: Verification, why: RegExp) => v.access.filter((a) => a.ok && why.test(a.why));

/** Every policy statement of every bucket, key and repository policy, to edit in place. */
function editGrants(json: Json, edit: (statement: Json) => void): void {
  for (const [type, attr] of [['aws_s3_bucket_policy', 'policy'], ['aws_kms_key', 'policy'], ['aws_ecr_repository_policy', 'policy']] as const) {
    for (const body of Object.values(json.resource[type] ?? {}) as Json[]) {
      const doc = JSON.parse(body[attr]);
      doc.Statement.forEach(edit);
      body[attr] = JSON.stringify(doc);
    }
  }
}

describe('grants by organization', () => {
  it('pass verify, and prove what they trust: the names in any account within the paths, nothing outside them', async () => {
    const v = await verifyPlan('example-org', fresh());
    expect(failing(v)).toEqual([]);
    expect(v.ok).toBe(true);
    expect(passing(v, new RegExp(`^a role named ${DEPLOY} in any account of the organization within its paths reads artifacts$`)).map((a) => a.expect)).toEqual(['allow']);
    const outside = passing(v, new RegExp(`^a role named ${DEPLOY} outside the organization's paths`));
    expect(outside.map((a) => a.action).sort()).toEqual(['ecr:BatchGetImage', 'ecr:BatchGetImage', 'kms:Decrypt', 'kms:Decrypt', 's3:GetObject', 's3:GetObject']);
    // The unrelated account, in no organization, still gets nothing under our names.
    expect(passing(v, new RegExp(`^a role named ${DEPLOY} in an unrelated account cannot read artifacts$`))).toHaveLength(2);
  });

  it('fail verify when a grant loses its organization conditions: a role of our name anywhere would read', async () => {
    const json = fresh();
    editGrants(json, (s) => {
      delete s.Condition?.StringEquals?.['aws:PrincipalOrgID'];
      delete s.Condition?.['ForAnyValue:StringLike'];
    });
    const v = await verifyPlan('mutated', json);
    expect(v.ok).toBe(false);
    expect(failing(v)).toContain(`a role of unrelated account 999999999999 named ${DEPLOY} s3:GetObject arn:aws:s3:::orders-api-example-artifacts-111111111111-eu-west-1/pipeline/artifact.zip`);
  });

  it('fail verify when a grant loses its paths: the accounts outside them would read', async () => {
    const json = fresh();
    editGrants(json, (s) => delete s.Condition?.['ForAnyValue:StringLike']);
    const v = await verifyPlan('mutated', json);
    expect(failing(v)).toContain(`a role named ${DEPLOY} in an account of the organization outside its paths s3:GetObject arn:aws:s3:::orders-api-example-artifacts-111111111111-eu-west-1/pipeline/artifact.zip`);
  });

  it('fail verify when the Lambda statement takes a missing organization for a match (IfExists, no paths)', async () => {
    const json = fresh();
    editGrants(json, (s) => {
      if (s.Sid !== 'LambdaPullsForTargetFunctions') return;
      s.Condition.StringEqualsIfExists = s.Condition.StringEquals;
      delete s.Condition.StringEquals;
      delete s.Condition['ForAnyValue:StringLike'];
    });
    const v = await verifyPlan('mutated', json);
    expect(failing(v)).toContain('lambda.amazonaws.com ecr:BatchGetImage arn:aws:ecr:eu-west-1:111111111111:repository/orders-api-example');
    expect(v.access.filter((a) => !a.ok).map((a) => a.why)).toContain('Lambda, for a function named orders-api-example-prod in an account of no organization, cannot pull the image');
  });

  it('name the organization instead of the accounts, and keep a role of one account exact', () => {
    const bucket = JSON.parse((Object.values(good.resource.aws_s3_bucket_policy!)[0] as Json).policy);
    const readers = bucket.Statement.find((s: Json) => s.Sid === 'ReadersGetArtifacts');
    expect(readers.Principal).toEqual({ AWS: '*' });
    expect(readers.Condition).toEqual({
      StringEquals: { 'aws:PrincipalOrgID': ORG.id },
      'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*'] },
      ArnLike: { 'aws:PrincipalArn': [`arn:aws:iam::*:role/orders-api-example-cfn-exec`, `arn:aws:iam::*:role/${DEPLOY}`] },
    });
    // The account lists are gone from the plan's resource policies.
    const text = JSON.stringify([good.resource.aws_s3_bucket_policy, good.resource.aws_kms_key, good.resource.aws_ecr_repository_policy]);
    expect(text).not.toContain(`${DEV}:root`);
    expect(text).not.toContain(`"${DEV}"`);
  });

  // IAM and the services measure without white space (src/policy/limits.ts); the sizes are the plan's own, with
  // the shape's name (one character longer at 200) spelt the same.
  it('keeps every resource policy and the pipeline role the same size at 20 and at 200 accounts', () => {
    const sizes = (accounts: number) => {
      const { json } = synth(shape(accounts, 1, 'lambda-container', ORG.id), `bench/shapes/${accounts}x1-org.json`);
      const text = JSON.stringify(json).replaceAll(`shape-${accounts}x1-org`, 'shape-NxN-org');
      const same = JSON.parse(text) as Synthesized;
      const of = (type: string) => Object.values(same.resource[type] ?? {}).map((b: Json) => iamSize(b.policy)).sort((x, y) => x - y);
      const pipelineRole = Object.entries(same.resource.aws_iam_role_policy!).find(([name]) => name.startsWith('pipeline_role'))![1];
      return { bucket: of('aws_s3_bucket_policy'), key: of('aws_kms_key'), repository: of('aws_ecr_repository_policy'), pipeline: iamSize(pipelineRole.policy), managed: Object.keys(same.resource.aws_iam_policy ?? {}) };
    };
    const small = sizes(20);
    expect(small.managed).toEqual([]);
    expect(sizes(200)).toEqual(small);
  });
});

describe('every workload kind, granted by organization', () => {
  const SHIPPED = ['example', 'example-cfn', 'example-cloud', 'example-ecs', 'example-s3'];
  it.each(SHIPPED)('%s passes verify, and its roles assume the target roles by name', async (name) => {
    const file = `config/${name}.json`;
    const { json } = synth({ ...(parse(readFileSync(file, 'utf8')) as object), organization: ORG } as never, file);
    const v = await verifyPlan(name, json);
    expect(failing(v)).toEqual([]);
    expect(v.ok).toBe(true);
    // No account list left in what the tooling roles assume (pipeline role, smoke test's role).
    const assumed = Object.values(json.resource.aws_iam_role_policy ?? {})
      .flatMap((b: Json) => JSON.parse(b.policy).Statement as Json[])
      .filter((st) => st.Action === 'sts:AssumeRole')
      .flatMap((st) => [st.Resource].flat() as string[]);
    expect(assumed.length).toBeGreaterThan(0);
    expect(assumed.every((arn) => arn.startsWith('arn:aws:iam::*:role/'))).toBe(true);
  });
});

describe('a puller name under an organization', () => {
  it('must be the workload\'s: a common role name would let that role of every account pull', () => {
    const ecs = parse(readFileSync('config/example-ecs.json', 'utf8')) as Json;
    const withName = (taskExecutionRoleName: string) => () => synth({ ...ecs, organization: ORG, workload: { ...ecs.workload, taskExecutionRoleName } } as never, 'config/example-ecs.json');
    expect(withName('ecsTaskExecutionRole')).toThrow(/organization: grants image pulls to the role name "ecsTaskExecutionRole" in every account of the organization, and that name is not the workload's: name the role "orders-web-\.\.\." in the workload, or leave organization out/);
    expect(withName('orders-web-task-execution')).not.toThrow();
    // Without an organization the grant names each account, and any name does.
    expect(() => synth({ ...ecs, workload: { ...ecs.workload, taskExecutionRoleName: 'ecsTaskExecutionRole' } } as never, 'config/example-ecs.json')).not.toThrow();
  });
});

describe('the docs/performance.md row for an organization', () => {
  it('is what the 200 x 1 plan with an organization holds', () => {
    const row = /^\| 200 x 1 \(lambda-container\), organization with one path \| ([\d,]+) B \| ([\d,]+) B \| ([\d,]+) \| ([\d,]+) inline, no managed policy \|$/m.exec(readFileSync('docs/performance.md', 'utf8'));
    expect(row).not.toBeNull();
    const doc = shape(200, 1, 'lambda-container', ORG.id);
    const { json } = synth({ ...doc, organization: ORG }, 'bench/shapes/200x1-org.json');
    const one = (type: string) => iamSize((Object.values(json.resource[type]!)[0] as Json).policy);
    const pipelineRole = Object.entries(json.resource.aws_iam_role_policy!).find(([name]) => name.startsWith('pipeline_role'))![1];
    expect(row!.slice(1).map((n) => Number(n.replace(/,/g, '')))).toEqual([one('aws_s3_bucket_policy'), one('aws_kms_key'), one('aws_ecr_repository_policy'), iamSize(pipelineRole.policy)]);
    expect(json.resource.aws_iam_policy).toBeUndefined();
  });
});
