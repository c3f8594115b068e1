import { artifactAccess, artifactBucketPolicy, artifactKeyPolicy } from '../src/policy/artifacts';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { grantToRoles, policy, rolesOnly, rolesTrust, serviceTrust, sid } from '../src/policy/document';
import { IMAGES_PER_REPOSITORY_QUOTA, repositoryLifecyclePolicy, repositoryPolicy } from '../src/policy/repository';
import { canRemove, decidingRule } from '../src/verify/ecr-lifecycle';
import { actionRolePolicy, buildRolePolicy, executionRolePolicy, pipelineRolePolicy, sourceCheckRolePolicy } from '../src/policy/roles';
import { AWS_REGIONS } from '../src/config/regions';
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

/** The IAM engine's answer: may `spec` (`<account>/<role name>`), an administrator of its account, read an object of the bucket? */
const roleOf = (spec: string) => `arn:aws:iam::${spec.split('/')[0]}:role/${spec.split('/')[1]}`;
async function mayRead(doc: ReturnType<typeof policy>, spec: string, context: Record<string, string | string[]> = {}): Promise<boolean> {
  const response = await runSimulation(
    {
      request: {
        principal: roleOf(spec),
        action: 's3:GetObject',
        resource: { resource: 'arn:aws:s3:::bucket/key', accountId: '444444444444' },
        contextVariables: { 'aws:PrincipalArn': roleOf(spec), 'aws:PrincipalAccount': spec.split('/')[0]!, ...context },
      },
      identityPolicies: [{ name: 'admin', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: doc,
    },
    {},
  );
  return response.resultType !== 'error' && response.overallResult === 'Allowed';
}

describe('policy building blocks', () => {
  it('names one account\'s roles through its root, narrowed by their exact ARNs', () => {
    expect(rolesOnly([A, A])).toEqual([{ Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Condition: { ArnEquals: { 'aws:PrincipalArn': A } } }]);
    expect(() => rolesOnly([])).toThrow(/at least one role/);
    expect(() => rolesOnly(['arn:aws:iam::111111111111:user/a'])).toThrow(/not an IAM role ARN/);
  });

  it('grows by an account root per account, not by a role ARN per role', () => {
    const arns = (n: number) => Array.from({ length: n }, (_, i) => [`arn:aws:iam::${200000000000 + i}:role/w-deploy`, `arn:aws:iam::${200000000000 + i}:role/w-exec`]).flat();
    const size = (n: number) => JSON.stringify(rolesOnly(arns(n))).length;
    expect(rolesOnly(arns(3))).toHaveLength(1);
    // "arn:aws:iam::<12 digits>:root" quoted, with its comma.
    expect(size(200) - size(100)).toBe(100 * '"arn:aws:iam::200000000000:root",'.length);
  });

  // The IAM engine decides: for every role name in every account of a universe, the grants allow exactly the
  // roles given, also when names are spread unevenly over accounts (one product over all would over-grant).
  it.each([
    ['one name in three accounts', ['111111111111/a', '222222222222/a', '333333333333/a']],
    ['names that differ by account', ['111111111111/a', '111111111111/b', '222222222222/a', '333333333333/c']],
    ['a name only one account uses', ['111111111111/a', '222222222222/a', '222222222222/b']],
  ])('grants exactly the given roles: %s', async (_, given) => {
    const doc = policy(...grantToRoles({ Sid: 'Read', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/*' }, given.map(roleOf)));
    const universe = ['111111111111', '222222222222', '333333333333', '999999999999'].flatMap((account) => ['a', 'b', 'c', 'x'].map((name) => `${account}/${name}`));
    for (const spec of universe) expect({ spec, allowed: await mayRead(doc, spec) }).toEqual({ spec, allowed: given.includes(spec) });
  });

  // With an organization the IAM engine decides again, over a universe of accounts in the organization within its
  // paths, in it outside them, and outside it: only the given names of the first kind get in, and a name that only
  // one account uses stays that account's.
  describe('granted by organization', () => {
    const ORG = { id: 'o-a1b2c3d4e5', paths: ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/'] };
    const inPaths = { 'aws:PrincipalOrgID': ORG.id, 'aws:PrincipalOrgPaths': ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ou-ab12-22222222/'] };
    const outsidePaths = { 'aws:PrincipalOrgID': ORG.id, 'aws:PrincipalOrgPaths': ['o-a1b2c3d4e5/r-ab12/ou-ab12-33333333/'] };
    const places: Record<string, Record<string, string | string[]>> = { '222222222222': inPaths, '333333333333': inPaths, '777777777777': inPaths, '888888888888': outsidePaths, '999999999999': {} };
    const given = ['222222222222/deploy', '333333333333/deploy', '222222222222/only-here'];
    const allowed = (doc: ReturnType<typeof policy>, spec: string) => mayRead(doc, spec, places[spec.split('/')[0]!]);
    const read = (organization: typeof ORG | { id: string }) => policy(...grantToRoles({ Sid: 'Read', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/*' }, given.map(roleOf), { organization }));

    it('lets in a shared name in any account within the paths, an exact role elsewhere, nothing else', async () => {
      const universe = Object.keys(places).flatMap((account) => ['deploy', 'only-here', 'other'].map((name) => `${account}/${name}`));
      const decided: string[] = [];
      for (const spec of universe) if (await allowed(read(ORG), spec)) decided.push(spec);
      expect(decided).toEqual(['222222222222/deploy', '222222222222/only-here', '333333333333/deploy', '777777777777/deploy']);
      const wholeOrganization: string[] = [];
      for (const spec of universe) if (await allowed(read({ id: ORG.id }), spec)) wholeOrganization.push(spec);
      expect(wholeOrganization).toEqual(['222222222222/deploy', '222222222222/only-here', '333333333333/deploy', '777777777777/deploy', '888888888888/deploy']);
    });

    it('is the same size for ten accounts and a thousand', () => {
      const arns = (n: number) => Array.from({ length: n }, (_, i) => [`arn:aws:iam::${200000000000 + i}:role/w-deploy`, `arn:aws:iam::${200000000000 + i}:role/w-exec`]).flat();
      const size = (n: number) => JSON.stringify(rolesOnly(arns(n), { organization: ORG })).length;
      expect(size(1_000)).toBe(size(10));
      expect(rolesOnly(arns(1_000), { organization: ORG })).toHaveLength(1);
    });
  });

  it('keeps the conditions of the statement with every grant, and refuses to set one twice', () => {
    const [first, second] = grantToRoles({ Sid: 'S', Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:ViaService': 'sns.eu-west-1.amazonaws.com' } } }, [A, B, 'arn:aws:iam::222222222222:role/c']);
    expect([first!.Sid, second!.Sid]).toEqual(['S', 'S2']);
    expect(first!.Condition).toEqual({ ArnEquals: { 'aws:PrincipalArn': A }, StringEquals: { 'kms:ViaService': 'sns.eu-west-1.amazonaws.com' } });
    expect(second!.Condition!.StringEquals).toEqual({ 'kms:ViaService': 'sns.eu-west-1.amazonaws.com' });
    expect(() => grantToRoles({ Sid: 'S', Effect: 'Allow', Action: 'kms:Decrypt', Condition: { ArnEquals: { 'aws:PrincipalArn': A } } }, [A])).toThrow(/set twice/);
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
  it('limits the Lambda service to the named functions of the given accounts in the region', () => {
    const policy = repositoryPolicy({ region: 'us-east-1', pullers: [B], functions: { accounts: ['333333333333', '222222222222'], names: ['w-prod', 'w-dev', 'w-prod'] } });
    expect(statement(policy, 'LambdaPullsForTargetFunctions').Condition).toEqual({
      StringLike: { 'aws:sourceArn': ['arn:aws:lambda:us-east-1:*:function:w-dev', 'arn:aws:lambda:us-east-1:*:function:w-prod'] },
      StringEqualsIfExists: { 'aws:SourceAccount': ['222222222222', '333333333333'] },
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
      pipelineRolePolicy({ stores: [store], buildProjectArn: 'arn:p', sourceCheckProjectArn: 'arn:sc', actionRoleArns: [B], connectionArn: 'arn:c' }),
      buildRolePolicy({ account: '111111111111', region: 'eu-west-1', store, logGroup: '/aws/codebuild/x', repositoryArns: ['arn:r'], connectionArn: 'arn:c' }),
      sourceCheckRolePolicy({ account: '111111111111', region: 'eu-west-1', store, logGroup: '/aws/codebuild/c', connectionArn: 'arn:c' }),
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

  it('scopes the execution role to the functions, roles and log groups of the workload stacks, one entry per stack', () => {
    const policy = executionRolePolicy({ account: '222222222222', stacks, boundaryArn: BOUNDARY, repositoryArns: ['arn:r'], stores: [store] });
    expect(statement(policy, 'ManageFunctions').Resource).toEqual(['arn:aws:lambda:*:222222222222:function:w-dev']);
    expect(statement(policy, 'PassFunctionRolesToLambda')).toMatchObject({
      Resource: ['arn:aws:iam::222222222222:role/w-dev-eu-west-1', 'arn:aws:iam::222222222222:role/w-dev-us-east-1'],
      Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
    });
    expect(allActions(policy)).not.toContain('s3:PutObject');
    expect(allResources(policy).every((r) => r.includes('222222222222') || r.startsWith('arn:aws:s3') || r.startsWith('arn:aws:kms') || r === 'arn:r')).toBe(true);
  });

  // The IAM engine decides: the template's role of each deployed region, no other role, not even one named like it
  // that exists before the stack (a pattern such as <stack>-??-*-* took `w-dev-us-admin-x`).
  it('lets the execution role change and pass the function role of each region it deploys, and no other role', async () => {
    const policy = executionRolePolicy({ account: '222222222222', stacks, boundaryArn: BOUNDARY, repositoryArns: ['arn:r'], stores: [store] });
    const allowed = async (action: string, role: string) => {
      const arn = `arn:aws:iam::222222222222:role/${role}`;
      const response = await runSimulation(
        {
          request: { principal: 'arn:aws:iam::222222222222:role/w-cfn-exec', action, resource: { resource: arn, accountId: '222222222222' }, contextVariables: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
          identityPolicies: [{ name: 'execution', policy }],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
        },
        {},
      );
      return response.resultType !== 'error' && response.overallResult === 'Allowed';
    };
    const ROLE_CHANGES = ['iam:PassRole', 'iam:UpdateAssumeRolePolicy', 'iam:DeleteRole', 'iam:UpdateRole', 'iam:TagRole'];
    for (const action of ROLE_CHANGES) {
      for (const region of AWS_REGIONS) {
        const deployed = stacks.some((st) => st.region === region);
        expect({ action, region, allowed: await allowed(action, `w-dev-${region}`) }).toEqual({ action, region, allowed: deployed });
      }
      for (const other of ['w-dev-us-admin-x', 'w-deploy', 'w-cfn-exec', 'w-smoke-check', 'w-dev', 'w-dev-pr-build', 'w-test-eu-west-1', 'Administrator']) {
        expect({ action, other, allowed: await allowed(action, other) }).toEqual({ action, other, allowed: false });
      }
    }
  });

  it('lets the execution role create or change roles only with the workload boundary, never touch the boundary itself', () => {
    const policy = executionRolePolicy({ account: '222222222222', stacks, boundaryArn: BOUNDARY, repositoryArns: ['arn:r'], stores: [store] });
    const withBoundary = statement(policy, 'CreateFunctionRolesWithinBoundary');
    expect(withBoundary.Condition).toEqual({ StringEquals: { 'iam:PermissionsBoundary': BOUNDARY } });
    // Every action that creates a role or changes its permissions is under the condition.
    const unconditioned = policy.Statement.filter((s) => !s.Condition?.StringEquals?.['iam:PermissionsBoundary']).flatMap((s) => list(s.Action));
    for (const a of ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:AttachRolePolicy', 'iam:DetachRolePolicy', 'iam:PutRolePermissionsBoundary']) expect(unconditioned).not.toContain(a);
    for (const a of ['iam:DeleteRolePermissionsBoundary', 'iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicy', 'iam:AttachRolePolicy']) expect(allActions(policy)).not.toContain(a);
  });

  it('grants the pipeline role both connection action prefixes', () => {
    const policy = pipelineRolePolicy({ stores: [store], buildProjectArn: 'arn:p', sourceCheckProjectArn: 'arn:sc', actionRoleArns: [B], connectionArn: 'arn:c' });
    expect(statement(policy, 'UseSourceConnection').Action).toEqual(['codestar-connections:UseConnection', 'codeconnections:UseConnection']);
  });
});
