import { readFileSync } from 'node:fs';
import { ConfigError } from '../src/config/issue';
import { checkWorkloadFiles, loadEnvironmentFile } from '../src/environment/load';
import type { EnvironmentConfig, WorkloadConfig } from '../src/config/schema';
import { LAMBDA_TEMPLATE_UNUSED_HANDLER_PERMISSIONS, executionRolePolicy } from '../src/policy/roles';
import { HANDLER_PERMISSIONS, STACK_HANDLERS, actionMatches, handlerGaps, templateResources } from '../src/workloads/cloudformation-template';
import { handlerTableEntry } from '../src/workloads/handler-table';

const example = () => loadEnvironmentFile('config/example-cfn.json');
/** The example with its cloudformation workload changed. */
function withWorkload(change: (w: CloudFormationWorkload) => Partial<CloudFormationWorkload>): EnvironmentConfig {
  const config = example();
  const workload = config.workload as CloudFormationWorkload;
  return { ...config, workload: { ...workload, ...change(workload) } };
}
const issuesOf = (run: () => void) => {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  return [];
};

describe('CloudFormation handler permissions table', () => {
  it('holds, per type, the handler permissions of a registry schema it names', () => {
    for (const [type, entry] of Object.entries(HANDLER_PERMISSIONS)) {
      expect(entry.source).toMatch(new RegExp(`^aws-cloudformation/cfn-lint@[0-9a-f]{40}:src/cfnlint/data/schemas/providers/us_east_1/${type.toLowerCase().replace(/::/g, '-')}\\.json$`));
      for (const handler of STACK_HANDLERS) expect(entry.handlers[handler]?.length ?? 1).toBeGreaterThan(0);
    }
    // AWS::SQS::Queue as its registry schema declares it (cfn-lint's copy of the us-east-1 registry).
    expect(HANDLER_PERMISSIONS['AWS::SQS::Queue']!.handlers).toMatchObject({
      create: ['sqs:CreateQueue', 'sqs:GetQueueUrl', 'sqs:GetQueueAttributes', 'sqs:ListQueueTags', 'sqs:TagQueue'],
      delete: ['sqs:DeleteQueue', 'sqs:GetQueueAttributes'],
    });
  });

  it('turns a registry schema into an entry verbatim, and refuses what is not one', () => {
    const schema = { typeName: 'AWS::X::Y', handlers: { create: { permissions: ['x:Create'] }, delete: { permissions: ['x:Delete'] } } };
    expect(handlerTableEntry(schema, 'x.json')).toEqual(['AWS::X::Y', { source: 'x.json', handlers: { create: ['x:Create'], delete: ['x:Delete'] } }]);
    expect(() => handlerTableEntry({ handlers: {} }, 'y.json')).toThrow(/y\.json: not a resource schema/);
    expect(() => handlerTableEntry({ typeName: 'AWS::X::Y' }, 'z.json')).toThrow(/declares no handlers/);
  });
});

describe('template resources', () => {
  it('reads the types of a YAML template with short-form tags', () => {
    expect(templateResources(readFileSync('cfn-src/template.yaml', 'utf8'))).toEqual([
      { logicalId: 'DeadLetters', type: 'AWS::SQS::Queue' },
      { logicalId: 'Events', type: 'AWS::SQS::Queue' },
    ]);
    expect(() => templateResources('Resources: [')).toThrow();
    expect(() => templateResources('Parameters: {}')).toThrow(/no Resources section/);
  });

  it('matches actions the way IAM does: case-insensitive, * and ?', () => {
    expect(actionMatches('sqs:*', 'sqs:CreateQueue')).toBe(true);
    expect(actionMatches('SQS:getqueue*', 'sqs:GetQueueUrl')).toBe(true);
    expect(actionMatches('sqs:Get?ueueUrl', 'sqs:GetQueueUrl')).toBe(true);
    expect(actionMatches('sqs:Get', 'sqs:GetQueueUrl')).toBe(false);
    expect(actionMatches('s3:*', 'sqs:GetQueueUrl')).toBe(false);
  });
});

describe('execution role of a cloudformation workload', () => {
  it('accepts the example: its permissions cover every create, read, update and delete handler permission', () => {
    expect(example().workload.kind).toBe('cloudformation');
  });

  it('names each handler permission a statement misses, with its resource type, resources and handlers', () => {
    const broken = withWorkload((w) => ({ permissions: w.permissions.map((p) => ({ ...p, Action: (p.Action as string[]).filter((a) => a !== 'sqs:GetQueueUrl' && a !== 'sqs:DeleteQueue') })) }));
    const issues = issuesOf(() => checkWorkloadFiles(broken, 'config/example-cfn.json'));
    expect(issues).toEqual([
      {
        path: 'workload.permissions',
        message:
          'AWS::SQS::Queue (DeadLetters, Events in cfn-src/template.yaml) needs sqs:GetQueueUrl (create), sqs:DeleteQueue (delete); add them to permissions, or to handlerPermissionsNotNeeded if the template never triggers them',
      },
    ]);
  });

  it('fails closed on a type it has no handler permissions for, a missing template, and a needless exemption', () => {
    const unknown = issuesOf(() => checkWorkloadFiles(example(), 'f.json', () => 'Resources:\n  T:\n    Type: AWS::SNS::Topic\n'));
    expect(unknown).toEqual([{ path: 'workload.template', message: expect.stringMatching(/uses AWS::SNS::Topic, whose handler permissions are not in src\/workloads\/cfn-handler-permissions\.json; add it with `npm run cfn-handlers -- <schema\.json>`/) }]);
    const missing = issuesOf(() => checkWorkloadFiles(withWorkload(() => ({ template: 'nope.yaml' })), 'f.json'));
    expect(missing).toEqual([{ path: 'workload.template', message: 'cannot read the resources of cfn-src/nope.yaml: no such file (synth reads it from the repository root)' }]);
    const needless = issuesOf(() => checkWorkloadFiles(withWorkload(() => ({ handlerPermissionsNotNeeded: ['ec2:DescribeVpcs'] })), 'f.json'));
    expect(needless).toEqual([{ path: 'workload.handlerPermissionsNotNeeded[0]', message: expect.stringMatching(/"ec2:DescribeVpcs" is no handler permission of a resource in cfn-src\/template\.yaml; remove it/) }]);
  });
});

describe('the template of a cloudformation workload, at synth', () => {
  it('is judged by the CloudFormation resource schemas, each issue with the file and line', () => {
    const text = readFileSync('cfn-src/template.yaml', 'utf8').replace('      MessageRetentionPeriod: 1209600', '      MessageRetentionPeriods: 1209600');
    const line = text.split('\n').findIndex((l) => l.includes('MessageRetentionPeriods')) + 1;
    expect(issuesOf(() => checkWorkloadFiles(example(), 'config/example-cfn.json', () => text))).toEqual([
      {
        path: 'workload.template',
        message: `cfn-src/template.yaml:${line}: DeadLetters (AWS::SQS::Queue) has no property MessageRetentionPeriods; did you mean MessageRetentionPeriod? (CloudFormation resource schemas, src/workloads/template-schema.ts)`,
      },
    ]);
  });
});

describe('execution role of the container Lambda workload', () => {
  const template = readFileSync('lambda-src/template.yaml', 'utf8');
  const granted = executionRolePolicy({
    account: '222222222222',
    stacks: [{ region: 'eu-west-1', stackName: 'w-dev', functionRoleName: 'w-dev-eu-west-1' }],
    boundaryArn: 'arn:aws:iam::222222222222:policy/w-boundary',
    repositoryArns: ['arn:aws:ecr:eu-west-1:111111111111:repository/w'],
    stores: [{ bucketArn: 'arn:aws:s3:::w-artifacts-111111111111-eu-west-1', keyArn: 'arn:aws:kms:eu-west-1:111111111111:key/k' }],
  }).Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action as string]));

  it('has every handler permission of its template types, but those of properties the template does not set', () => {
    const { gaps, unknownTypes } = handlerGaps(templateResources(template), granted, Object.keys(LAMBDA_TEMPLATE_UNUSED_HANDLER_PERMISSIONS));
    expect(gaps).toEqual([]);
    // The stored AWS::IAM::Role schema declares no handlers: its permissions are pinned by verify's paths.
    expect(unknownTypes).toEqual(['AWS::IAM::Role']);
  });

  it('leaves out only permissions of properties the template really does not set', () => {
    const resources = (templateResourcesWithProperties(template));
    for (const [action, where] of Object.entries(LAMBDA_TEMPLATE_UNUSED_HANDLER_PERMISSIONS)) {
      const [type, property] = where.split(' ') as [string, string];
      const handlers = HANDLER_PERMISSIONS[type]!.handlers;
      expect({ action, listed: STACK_HANDLERS.some((h) => handlers[h]?.includes(action)) }).toEqual({ action, listed: true });
      for (const r of resources.filter((x) => x.Type === type)) expect({ action, set: property in (r.Properties ?? {}) }).toEqual({ action, set: false });
      expect(granted.some((g) => actionMatches(g, action))).toBe(false);
    }
  });
});

type CloudFormationWorkload = Extract<WorkloadConfig, { kind: 'cloudformation' }>;

function templateResourcesWithProperties(text: string): Array<{ Type: string; Properties?: Record<string, unknown> }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parseDocument } = require('yaml') as typeof import('yaml');
  return Object.values((parseDocument(text).toJS() as { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> }).Resources);
}
