import { artifactAccess, artifactBucketPolicy, artifactKeyPolicy } from '../src/policy/artifacts';
import { rolesOnly, rolesTrust, serviceTrust, sid } from '../src/policy/document';
import { IMAGES_PER_REPOSITORY_QUOTA, repositoryLifecyclePolicy, repositoryPolicy } from '../src/policy/repository';
import { canRemove, decidingRule } from '../src/verify/ecr-lifecycle';
import { actionRolePolicy, buildRolePolicy, executionRolePolicy, pipelineRolePolicy, workloadBoundaryPolicy } from '../src/policy/roles';
import { list, statement } from './support';

const BOUNDARY = 'arn:aws:iam::222222222222:policy/w-workload-boundary';

const A = 'arn:aws:iam::111111111111:role/a';
const B = 'arn:aws:iam::222222222222:role/b';
const store = { bucketArn: 'arn:aws:s3:::bucket', keyArn: 'arn:aws:kms:eu-west-1:111111111111:key/k' };
const stacks = [
  { region: 'eu-west-1', stackName: 'w-dev', functionRoleName: 'w-dev-eu-west-1' },
  { region: 'us-east-1', stackName: 'w-dev', functionRoleName: 'w-dev-us-east-1' },
];
const allActions = (doc: { Statement: Array<{ Action: string | string[] }> }) => doc.Statement.flatMap((s) => list(s.Action));
const allResources = (doc: { Statement: Array<{ Resource?: string | string[] }> }) => doc.Statement.flatMap((s) => list(s.Resource));

describe('policy building blocks', () => {
  it('names exactly the given roles through their account roots', () => {
    expect(rolesOnly([B, A, A])).toEqual({
      Principal: { AWS: ['arn:aws:iam::111111111111:root', 'arn:aws:iam::222222222222:root'] },
      Condition: { ArnEquals: { 'aws:PrincipalArn': [A, B] } },
    });
    expect(() => rolesOnly([])).toThrow(/at least one role/);
  });

  it('writes trust policies without a Resource element', () => {
    expect(rolesTrust([A]).Statement[0]).toEqual({
      Sid: 'TrustNamedRoles',
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Principal: { AWS: 'arn:aws:iam::111111111111:root' },
      Condition: { ArnEquals: { 'aws:PrincipalArn': A } },
    });
    expect(serviceTrust('codebuild.amazonaws.com').Statement[0]).toEqual({
      Sid: 'TrustCodebuild',
      Effect: 'Allow',
      Principal: { Service: 'codebuild.amazonaws.com' },
      Action: 'sts:AssumeRole',
    });
  });

  it('makes Sids IAM accepts', () => {
    expect(sid('use key', 'eu-west-1')).toBe('UseKeyEuWest1');
  });
});

describe('artifact store policies', () => {
  it('separates writers from readers on the key', () => {
    const policy = artifactKeyPolicy({ account: '111111111111', region: 'eu-west-1', writers: [A], readers: [B] });
    expect(statement(policy, 'WritersUseKey').Action).toEqual(expect.arrayContaining(['kms:Encrypt', 'kms:GenerateDataKey*', 'kms:Decrypt']));
    expect(statement(policy, 'ReadersDecrypt').Action).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
    expect(statement(policy, 'ReadersDecrypt').Condition!.ArnEquals!['aws:PrincipalArn']).toBe(B);
  });

  it('keeps the owner account an administrator that cannot use the key', () => {
    const admin = statement(artifactKeyPolicy({ account: '111111111111', region: 'eu-west-1', writers: [A] }), 'KeyAdministrationByOwnerAccount');
    expect(admin.Principal).toEqual({ AWS: 'arn:aws:iam::111111111111:root' });
    for (const action of ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:CreateGrant', 'kms:*']) expect(admin.Action).not.toContain(action);
    expect(admin.Action).toEqual(expect.arrayContaining(['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion', 'kms:EnableKeyRotation']));
  });

  it('leaves out empty reader statements', () => {
    const policy = artifactKeyPolicy({ account: '111111111111', region: 'eu-west-1', writers: [A] });
    expect(policy.Statement.map((s) => s.Sid)).toEqual(['KeyAdministrationByOwnerAccount', 'WritersUseKey']);
    const bucket = artifactBucketPolicy({ bucketArn: store.bucketArn, writers: [A] });
    expect(bucket.Statement.map((s) => s.Sid)).toEqual(['DenyInsecureTransport', 'WritersReadWriteArtifacts', 'PipelineRolesLocateBucket']);
  });

  it('gives readers get-only access to the bucket', () => {
    const bucket = artifactBucketPolicy({ bucketArn: store.bucketArn, writers: [A], readers: [B] });
    expect(statement(bucket, 'ReadersGetArtifacts').Action).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
    expect(statement(bucket, 'WritersReadWriteArtifacts').Action).toContain('s3:PutObject');
  });

  it('grants identities only what their mode needs', () => {
    expect(allActions({ Statement: artifactAccess([store], 'read') })).not.toContain('s3:PutObject');
    expect(allActions({ Statement: artifactAccess([store], 'read') })).not.toContain('kms:GenerateDataKey*');
    expect(allActions({ Statement: artifactAccess([store], 'write') })).toEqual(expect.arrayContaining(['s3:PutObject', 'kms:GenerateDataKey*']));
  });
});

describe('repository policies', () => {
  it('limits the Lambda service to functions of the given accounts in the region', () => {
    const policy = repositoryPolicy({ region: 'us-east-1', pullers: [B], functionAccounts: ['333333333333', '222222222222'] });
    expect(statement(policy, 'LambdaPullsForTargetFunctions').Condition).toEqual({
      StringLike: { 'aws:sourceArn': ['arn:aws:lambda:us-east-1:222222222222:function:*', 'arn:aws:lambda:us-east-1:333333333333:function:*'] },
    });
    for (const s of policy.Statement) expect(s.Resource).toBeUndefined();
  });

  // ECR's documented semantics decide (src/verify/ecr-lifecycle.ts, tested against the AWS examples).
  it('never expires a released image, keeps the newest unpromoted builds and expires untagged leftovers', () => {
    const policyText = repositoryLifecyclePolicy(7);
    const released = decidingRule(policyText, ['build-abc-1', 'release-abc-1'])!;
    expect(canRemove(released, IMAGES_PER_REPOSITORY_QUOTA)).toBe(false);
    const unpromoted = decidingRule(policyText, ['build-abc-2'])!;
    expect(unpromoted.selection).toMatchObject({ countType: 'imageCountMoreThan', countNumber: 7 });
    expect(decidingRule(policyText, [])!.selection).toMatchObject({ tagStatus: 'untagged', countType: 'sinceImagePushed' });
    expect(JSON.parse(policyText).rules.map((r: { selection: { tagStatus: string } }) => r.selection.tagStatus)).not.toContain('any');
  });
});

describe('role permissions', () => {
  it('never passes or assumes a role on "*" and uses "*" only for ECR login', () => {
    const docs = [
      pipelineRolePolicy({ stores: [store], buildProjectArn: 'arn:p', actionRoleArns: [B], connectionArn: 'arn:c' }),
      buildRolePolicy({ account: '111111111111', region: 'eu-west-1', store, logGroup: '/aws/codebuild/x', repositoryArns: ['arn:r'] }),
      actionRolePolicy({ account: '222222222222', stacks, executionRoleArn: B, stores: [store] }),
      executionRolePolicy({ account: '222222222222', stacks, boundaryArn: BOUNDARY, repositoryArns: ['arn:r'], stores: [store] }),
    ];
    for (const doc of docs) {
      for (const s of doc.Statement) {
        if (list(s.Resource).includes('*')) expect(list(s.Action)).toEqual(['ecr:GetAuthorizationToken']);
      }
    }
  });

  it('lets the action role pass only the execution role, only to CloudFormation', () => {
    const policy = actionRolePolicy({ account: '222222222222', stacks, executionRoleArn: B, stores: [store] });
    expect(statement(policy, 'PassExecutionRoleToCloudFormation')).toMatchObject({
      Resource: B,
      Condition: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
    });
    expect(statement(policy, 'ManageWorkloadChangeSets').Resource).toEqual([
      'arn:aws:cloudformation:eu-west-1:222222222222:stack/w-dev/*',
      'arn:aws:cloudformation:us-east-1:222222222222:stack/w-dev/*',
    ]);
  });

  it('scopes the execution role to the functions, roles and log groups of the workload stacks', () => {
    const policy = executionRolePolicy({ account: '222222222222', stacks, boundaryArn: BOUNDARY, repositoryArns: ['arn:r'], stores: [store] });
    expect(statement(policy, 'ManageFunctions').Resource).toEqual([
      'arn:aws:lambda:eu-west-1:222222222222:function:w-dev',
      'arn:aws:lambda:us-east-1:222222222222:function:w-dev',
    ]);
    expect(statement(policy, 'PassFunctionRolesToLambda')).toMatchObject({
      Resource: ['arn:aws:iam::222222222222:role/w-dev-eu-west-1', 'arn:aws:iam::222222222222:role/w-dev-us-east-1'],
      Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
    });
    expect(allActions(policy)).not.toContain('s3:PutObject');
    expect(allResources(policy).every((r) => r.includes('222222222222') || r.startsWith('arn:aws:s3') || r.startsWith('arn:aws:kms') || r === 'arn:r')).toBe(true);
  });

  it('lets the execution role create or change roles only with the workload boundary, never touch the boundary itself', () => {
    const policy = executionRolePolicy({ account: '222222222222', stacks, boundaryArn: BOUNDARY, repositoryArns: ['arn:r'], stores: [store] });
    const withBoundary = statement(policy, 'CreateFunctionRolesWithinBoundary');
    expect(withBoundary.Condition).toEqual({ StringEquals: { 'iam:PermissionsBoundary': BOUNDARY } });
    // Every action that creates a role or changes its permissions is under the condition.
    const unconditioned = policy.Statement.filter((s) => !s.Condition?.StringEquals?.['iam:PermissionsBoundary']).flatMap((s) => list(s.Action));
    for (const a of ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:AttachRolePolicy', 'iam:DetachRolePolicy', 'iam:PutRolePermissionsBoundary']) expect(unconditioned).not.toContain(a);
    for (const a of ['iam:DeleteRolePermissionsBoundary', 'iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicy', 'iam:AttachRolePolicy']) expect(allActions(policy)).not.toContain(a);
    const boundary = workloadBoundaryPolicy({ account: '222222222222', stacks });
    expect(boundary.Statement.flatMap((s) => list(s.Action))).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(list(boundary.Statement[0]!.Resource)).toContain('arn:aws:logs:eu-west-1:222222222222:log-group:/aws/lambda/w-dev:*');
  });

  it('grants the pipeline role both connection action prefixes', () => {
    const policy = pipelineRolePolicy({ stores: [store], buildProjectArn: 'arn:p', actionRoleArns: [B], connectionArn: 'arn:c' });
    expect(statement(policy, 'UseSourceConnection').Action).toEqual(['codestar-connections:UseConnection', 'codeconnections:UseConnection']);
  });
});
