import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyPlan, Verification } from '../src/verify';
import { Plan } from '../src/plan/plan';
import { checkRules } from '../src/verify/rules';
import { inventory as inventoryOf, markdownReport, terminalReport } from '../src/verify/report';
import { DEV, PROD, TEST, TOOLING, Synthesized, example, synth } from './support';

type Json = Record<string, any>;
const INVENTORIES = join(__dirname, 'inventories');
const { json: good } = synth();
const fresh = (): Synthesized => JSON.parse(JSON.stringify(good));

/** The resource of a type whose address contains `part`. */
function find(json: Json, type: string, part: string): Json {
  const entry = Object.entries(json.resource[type] ?? {}).find(([name]) => name.includes(part));
  if (!entry) throw new Error(`no ${type} matching ${part}`);
  return entry[1] as Json;
}

/** Edits a policy document held as a JSON string in `body[attr]`. */
function editPolicy(body: Json, attr: string, edit: (policy: { Statement: Json[] }) => void): void {
  const policy = JSON.parse(body[attr]);
  edit(policy);
  body[attr] = JSON.stringify(policy);
}

const failedRules = (v: Verification) => v.rules.filter((r) => !r.ok).map((r) => r.rule.id);
const failedPaths = (v: Verification) => v.access.filter((a) => !a.ok);

describe('verify on correct plans', () => {
  it('passes the example: every needed path allowed, every forbidden path denied, every rule green', async () => {
    const v = await verifyPlan('example', good);
    expect(failedPaths(v)).toEqual([]);
    expect(failedRules(v)).toEqual([]);
    expect(v.ok).toBe(true);
    // Exact inventories: a family of checks that disappears (an input verify stops reading, a rule dropped)
    // changes these, so it cannot vanish while verify still says ok.
    const count = (expect: string) => Object.fromEntries([...new Set(v.access.filter((a) => a.expect === expect).map((a) => a.action))].sort().map((action) => [action, v.access.filter((a) => a.expect === expect && a.action === action).length]));
    expect(count('allow')).toEqual({
      'codebuild:StartBuild': 2, 'codeconnections:GetConnectionToken': 2, 'codeconnections:UseConnection': 3, 'ecr:BatchGetImage': 10, 'ecr:CompleteLayerUpload': 2, 'ecr:DescribeImageScanFindings': 2,
      'ecr:DescribeImages': 2, 'ecr:GetAuthorizationToken': 1, 'ecr:GetDownloadUrlForLayer': 5, 'ecr:InitiateLayerUpload': 2, 'ecr:PutImage': 2, 'ecr:UploadLayerPart': 2,
      'iam:CreateRole': 5, 'iam:ListAttachedRolePolicies': 5, 'iam:ListRolePolicies': 5, 'iam:PassRole': 3, 'kms:Decrypt': 14, 'kms:GenerateDataKey': 3,
      'lambda:GetFunctionRecursionConfig': 5, 's3:GetObject': 14, 's3:PutObject': 3, 'sts:AssumeRole': 9,
    });
    expect(count('deny')).toEqual({
      'codeconnections:GetConnectionToken': 6, 'codeconnections:UseConnection': 6, 'ecr:BatchGetImage': 18, 'ecr:PutImage': 2, 'iam:AttachRolePolicy': 9, 'iam:CreatePolicyVersion': 11, 'iam:CreateRole': 30, 'iam:CreateUser': 4, 'iam:DeletePolicy': 3, 'iam:DeleteRole': 15, 'iam:DeleteRolePermissionsBoundary': 9,
      'iam:PassRole': 12, 'iam:PutRolePolicy': 26, 'iam:TagRole': 3, 'iam:UpdateAssumeRolePolicy': 24, 'iam:UpdateRole': 3, 'kms:CreateGrant': 18, 'kms:CreateKey': 9, 'kms:Decrypt': 14, 'kms:GenerateDataKey': 14,
      'kms:PutKeyPolicy': 18, 's3:GetObject': 18, 's3:PutObject': 14, 'sts:AssumeRole': 24,
    });
    expect(v.rules.map((r) => r.rule.id)).toEqual([
      'S3_PUBLIC_ACCESS_BLOCKED', 'S3_VERSIONING', 'S3_SSE_KMS_CMK', 'S3_TLS_ONLY', 'S3_OWNER_ENFORCED', 'KMS_ROTATION', 'KMS_DELETION_WINDOW',
      'ECR_IMMUTABLE_TAGS', 'ECR_SCAN_ON_PUSH', 'ECR_LIFECYCLE_KEEPS_RELEASES', 'NOTIFICATION_RULE_ORDERED', 'NO_SHARED_SERVICE_LINKED_ROLE', 'CODEBUILD_PIPELINE_KEY', 'CODEBUILD_LOGS_RETAINED', 'CODEBUILD_NO_PLAINTEXT_SECRETS',
      'PIPELINE_STORE_PER_REGION', 'SNS_ENCRYPTED_CMK', 'NO_OPEN_WILDCARD_PRINCIPAL', 'ROLES_WITHIN_BOUNDARY', 'NO_WILDCARD_PASSROLE_ASSUMEROLE', 'SOURCE_COMMIT_ON_BRANCH', 'PROD_APPROVAL', 'PROVIDERS_PINNED',
      'NO_DEPENDENCY_CYCLE', 'PIPELINE_CHAIN', 'PROVIDER_ALIASES_VALID', 'NO_DANGLING_REFERENCE', 'SUBRESOURCE_PLACED_WITH_TARGET', 'PIPELINE_STRUCTURE', 'POLICY_SIZE_WITHIN_LIMITS', 'PIPELINE_INTENT',
    ]);
  });

  // The exact set of paths and rules of every shipped environment, reviewed in __tests__/inventories/<env>.txt:
  // a family of checks that vanishes, or one that appears, fails here until the inventory is updated on
  // purpose (UPDATE_INVENTORIES=1 npx jest verify) and the diff reviewed.
  const shipped = readdirSync('config').filter((f) => f.endsWith('.json') && f !== 'schema.json').sort();
  it('ships the environments the inventories cover', () => {
    expect(shipped.map((f) => f.replace(/\.json$/, '')).sort()).toEqual(readdirSync(INVENTORIES).map((f) => f.replace(/\.txt$/, '')).sort());
  });
  it.each(shipped)('passes %s with exactly its inventory of paths and rules', async (file) => {
    const { json, config } = synth(require(join('..', 'config', file)), join('config', file));
    const v = await verifyPlan(config.name, json);
    expect({ env: config.name, paths: failedPaths(v), rules: failedRules(v) }).toEqual({ env: config.name, paths: [], rules: [] });
    const inventory = inventoryOf(v);
    const path = join(INVENTORIES, `${config.name}.txt`);
    if (process.env.UPDATE_INVENTORIES === '1') writeFileSync(path, inventory);
    expect(inventory).toEqual(readFileSync(path, 'utf8'));
  });

  it('passes a plan where a target account is also the tooling account and stages share an account', async () => {
    const input = example();
    input.stages[0]!.targets = [{ account: TOOLING, regions: ['eu-west-1'] }];
    input.stages[1]!.targets = [{ account: PROD, regions: ['eu-central-1'] }];
    const { json } = synth(input);
    const v = await verifyPlan('shared', json);
    expect(failedPaths(v)).toEqual([]);
    expect(v.ok).toBe(true);
  });
});

describe('verify catches faults', () => {
  const cases: Array<[string, (json: Json) => void, { rule?: string; path?: RegExp; explanation?: RegExp }]> = [
    [
      'a key policy missing one region\'s action role',
      (j) =>
        editPolicy(find(j, 'aws_kms_key', 'us-east-1'), 'policy', (p) => {
          // Readers of several accounts are named by account root and role name: drop test's account.
          const readers = p.Statement.find((s) => s.Sid === 'ReadersDecrypt')!;
          readers.Principal.AWS = readers.Principal.AWS.filter((root: string) => root !== `arn:aws:iam::${TEST}:root`);
        }),
      { path: new RegExp(`role orders-api-example-deploy \\(${TEST}\\) kms:Decrypt arn:aws:kms:us-east-1`), explanation: /no statement of aws_kms_key\.artifacts-us-east-1_key_\w+ policy allows kms:Decrypt/ },
    ],
    [
      'dev\'s deploy role made a writer of the artifact store prod reads (bucket, key and its own policy)',
      (j) => {
        const devDeploy = `arn:aws:iam::${DEV}:role/orders-api-example-deploy`;
        const addWriter = (statement: Json) => {
          statement.Principal.AWS = [statement.Principal.AWS, `arn:aws:iam::${DEV}:root`].flat();
          statement.Condition.ArnEquals['aws:PrincipalArn'].push(devDeploy);
        };
        editPolicy(find(j, 'aws_s3_bucket_policy', 'eu-west-1'), 'policy', (p) => addWriter(p.Statement.find((s) => s.Sid === 'WritersReadWriteArtifacts')!));
        editPolicy(find(j, 'aws_kms_key', 'eu-west-1'), 'policy', (p) => addWriter(p.Statement.find((s) => s.Sid === 'WritersUseKey')!));
      },
      { path: new RegExp(`role orders-api-example-deploy \\(${DEV}\\) s3:PutObject arn:aws:s3:::orders-api-example-artifacts-${TOOLING}-eu-west-1/pipeline/artifact\\.zip`), explanation: /aws_s3_bucket_policy\.artifacts-eu-west-1_policy_\w+ statement WritersReadWriteArtifacts\b.*: narrow it so role orders-api-example-deploy \(222222222222\) cannot s3:PutObject/ },
    ],
    [
      'an execution role that cannot roll back or delete the function role',
      (j) =>
        editPolicy(find(j, 'aws_iam_role_policy', `deploy-roles-${DEV}_execution`), 'policy', (p) => {
          const roles = p.Statement.find((s) => s.Sid === 'ManageFunctionRoles')!;
          roles.Action = roles.Action.filter((a: string) => a !== 'iam:ListRolePolicies');
        }),
      { path: new RegExp(`role orders-api-example-cfn-exec \\(${DEV}\\) iam:ListRolePolicies arn:aws:iam::${DEV}:role/orders-api-example-dev-eu-west-1`) },
    ],
    [
      'an execution role that changes the function roles by name pattern, taking a pre-existing role',
      (j) =>
        editPolicy(find(j, 'aws_iam_role_policy', `deploy-roles-${PROD}_execution`), 'policy', (p) => {
          p.Statement.find((s) => s.Sid === 'ManageFunctionRoles')!.Resource = [`arn:aws:iam::${PROD}:role/orders-api-example-prod-??-*-*`];
        }),
      { path: new RegExp(`role orders-api-example-cfn-exec \\(${PROD}\\) iam:UpdateAssumeRolePolicy arn:aws:iam::${PROD}:role/orders-api-example-prod-zz-pre-existing`), explanation: /statement ManageFunctionRoles/ },
    ],
    [
      'an execution role that may create roles without the permissions boundary',
      (j) =>
        editPolicy(find(j, 'aws_iam_role_policy', `deploy-roles-${PROD}_execution`), 'policy', (p) => {
          delete p.Statement.find((s) => s.Sid === 'CreateFunctionRolesWithinBoundary')!.Condition;
        }),
      { path: new RegExp(`role orders-api-example-cfn-exec \\(${PROD}\\) iam:CreateRole arn:aws:iam::${PROD}:role/orders-api-example-prod-`), explanation: /statement CreateFunctionRolesWithinBoundary/ },
    ],
    [
      'the template no longer given the boundary',
      (j) => {
        for (const stage of find(j, 'aws_codepipeline', 'pipeline').stage) {
          for (const a of stage.action.filter((x: Json) => x.configuration?.ParameterOverrides)) {
            const overrides = JSON.parse(a.configuration.ParameterOverrides);
            delete overrides.PermissionsBoundary;
            a.configuration.ParameterOverrides = JSON.stringify(overrides);
          }
        }
      },
      { path: /iam:CreateRole arn:aws:iam::\d+:role\/orders-api-example-dev-eu-west-1/ },
    ],
    [
      'one region\'s artifact store dropped from the pipeline',
      (j) => (find(j, 'aws_codepipeline', 'pipeline').artifact_store = find(j, 'aws_codepipeline', 'pipeline').artifact_store.filter((s: Json) => s.region !== 'us-east-1')),
      { rule: 'PIPELINE_STORE_PER_REGION' },
    ],
    ['CodeBuild writing with aws/s3 (no encryption_key)', (j) => delete find(j, 'aws_codebuild_project', 'build').encryption_key, { rule: 'CODEBUILD_PIPELINE_KEY' }],
    [
      'an action role trusting another account',
      (j) =>
        editPolicy(find(j, 'aws_iam_role', `deploy-roles-${PROD}_action`), 'assume_role_policy', (p) => {
          p.Statement[0].Principal = { AWS: 'arn:aws:iam::999999999999:root' };
          delete p.Statement[0].Condition;
        }),
      { path: /administrator of unrelated account 999999999999 sts:AssumeRole arn:aws:iam::444444444444:role\/orders-api-example-deploy/, explanation: /allowed by .*aws_iam_role\.deploy-roles-444444444444_action_role_\w+ assume_role_policy statement TrustNamedRoles/ },
    ],
    [
      'a prod trust widened to the dev account',
      (j) =>
        editPolicy(find(j, 'aws_iam_role', `deploy-roles-${PROD}_action`), 'assume_role_policy', (p) => {
          p.Statement[0].Principal.AWS = [p.Statement[0].Principal.AWS, `arn:aws:iam::${DEV}:root`];
          p.Statement[0].Condition.ArnEquals['aws:PrincipalArn'] = [p.Statement[0].Condition.ArnEquals['aws:PrincipalArn'], `arn:aws:iam::${DEV}:role/orders-api-example-deploy`];
        }),
      { path: new RegExp(`role orders-api-example-deploy \\(${DEV}\\) sts:AssumeRole arn:aws:iam::${PROD}:role/orders-api-example-deploy`) },
    ],
    [
      'the TLS deny removed from a bucket policy',
      (j) => editPolicy(find(j, 'aws_s3_bucket_policy', 'eu-west-1'), 'policy', (p) => (p.Statement = p.Statement.filter((s) => s.Sid !== 'DenyInsecureTransport'))),
      { rule: 'S3_TLS_ONLY', path: /s3:GetObject .*eu-west-1\/pipeline/ },
    ],
    ['mutable image tags', (j) => (find(j, 'aws_ecr_repository', 'us-east-1').image_tag_mutability = 'MUTABLE'), { rule: 'ECR_IMMUTABLE_TAGS' }],
    ['scan on push off', (j) => (find(j, 'aws_ecr_repository', 'eu-west-1').image_scanning_configuration.scan_on_push = false), { rule: 'ECR_SCAN_ON_PUSH' }],
    [
      'an inline role policy that creates a cycle',
      (j) => {
        const keyName = Object.keys(j.resource.aws_kms_key).find((n) => n.includes('eu-west-1'))!;
        const roleName = Object.keys(j.resource.aws_iam_role).find((n) => n.startsWith('pipeline_role'))!;
        find(j, 'aws_iam_role', 'pipeline_role').inline_policy = [
          { name: 'inline', policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: `\${aws_kms_key.${keyName}.arn}` }] }) },
        ];
        editPolicy(find(j, 'aws_kms_key', 'eu-west-1'), 'policy', (p) => p.Statement[1].Condition.ArnEquals['aws:PrincipalArn'].push(`\${aws_iam_role.${roleName}.arn}`));
      },
      { rule: 'NO_DEPENDENCY_CYCLE' },
    ],
    [
      'a pipeline that starts another from the middle of its waves',
      (j) => find(j, 'aws_codepipeline', 'pipeline').stage[2].action.push({ name: 'start-elsewhere', category: 'Invoke', owner: 'AWS', provider: 'CodePipeline', version: '1', run_order: 9, configuration: { PipelineName: 'elsewhere' } }),
      { rule: 'PIPELINE_CHAIN', path: /codepipeline:StartPipelineExecution .*elsewhere/ },
    ],
    ['key rotation off', (j) => (find(j, 'aws_kms_key', 'us-east-1').enable_key_rotation = false), { rule: 'KMS_ROTATION' }],
    ['a short key deletion window', (j) => (find(j, 'aws_kms_key', 'us-east-1').deletion_window_in_days = 7), { rule: 'KMS_DELETION_WINDOW' }],
    ['a bucket without public access block', (j) => delete j.resource.aws_s3_bucket_public_access_block[Object.keys(j.resource.aws_s3_bucket_public_access_block)[0]!], { rule: 'S3_PUBLIC_ACCESS_BLOCKED' }],
    ['versioning suspended', (j) => (find(j, 'aws_s3_bucket_versioning', 'us-east-1').versioning_configuration.status = 'Suspended'), { rule: 'S3_VERSIONING' }],
    ['ACLs re-enabled on a bucket', (j) => (find(j, 'aws_s3_bucket_ownership_controls', 'eu-west-1').rule.object_ownership = 'BucketOwnerPreferred'), { rule: 'S3_OWNER_ENFORCED' }],
    ['a bucket encrypted with SSE-S3', (j) => (find(j, 'aws_s3_bucket_server_side_encryption_configuration', 'eu-west-1').rule[0].apply_server_side_encryption_by_default = { sse_algorithm: 'AES256' }), { rule: 'S3_SSE_KMS_CMK' }],
    [
      'the prod approval removed',
      (j) => {
        const prod = find(j, 'aws_codepipeline', 'pipeline').stage.find((s: Json) => s.name === 'prod');
        prod.action = prod.action.filter((a: Json) => a.category !== 'Approval');
      },
      { rule: 'PROD_APPROVAL' },
    ],
    ['a provider not pinned to its account', (j) => delete j.provider.aws[3].allowed_account_ids, { rule: 'PROVIDERS_PINNED' }],
    [
      'iam:PassRole on "*"',
      (j) =>
        editPolicy(find(j, 'aws_iam_role_policy', `deploy-roles-${DEV}_action`), 'policy', (p) => (p.Statement.find((s) => s.Sid === 'PassExecutionRoleToCloudFormation')!.Resource = '*')),
      { rule: 'NO_WILDCARD_PASSROLE_ASSUMEROLE' },
    ],
    [
      'a bucket opened to Principal "*"',
      (j) =>
        editPolicy(find(j, 'aws_s3_bucket_policy', 'us-east-1'), 'policy', (p) =>
          p.Statement.push({ Sid: 'Oops', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::orders-api-example-artifacts-${TOOLING}-us-east-1/*` }),
        ),
      { rule: 'NO_OPEN_WILDCARD_PRINCIPAL', path: /administrator of unrelated account 999999999999 s3:GetObject/ },
    ],
    [
      'the Lambda service statement dropped from a repository policy',
      (j) => editPolicy(find(j, 'aws_ecr_repository_policy', 'us-east-1'), 'policy', (p) => (p.Statement = p.Statement.filter((s) => s.Sid !== 'LambdaPullsForTargetFunctions'))),
      { path: /lambda\.amazonaws\.com ecr:BatchGetImage arn:aws:ecr:us-east-1/, explanation: /no statement of aws_ecr_repository_policy\.images-us-east-1_policy_\w+ allows/ },
    ],
    [
      'the execution role not passable by the action role',
      (j) => editPolicy(find(j, 'aws_iam_role_policy', `deploy-roles-${TEST}_action`), 'policy', (p) => (p.Statement = p.Statement.filter((s) => s.Sid !== 'PassExecutionRoleToCloudFormation'))),
      { path: new RegExp(`iam:PassRole arn:aws:iam::${TEST}:role/orders-api-example-cfn-exec`), explanation: new RegExp(`no statement of aws_iam_role_policy\\.deploy-roles-${TEST}_action_permissions_\\w+ allows iam:PassRole`) },
    ],
    [
      'the key administrators allowed to use the key',
      (j) => editPolicy(find(j, 'aws_kms_key', 'eu-west-1'), 'policy', (p) => (p.Statement[0].Action = 'kms:*')),
      { path: /another administrator of the tooling account kms:Decrypt/, explanation: /allowed by .*statement KeyAdministrationByOwnerAccount/ },
    ],
    ['a repository without lifecycle policy', (j) => delete j.resource.aws_ecr_lifecycle_policy[Object.keys(j.resource.aws_ecr_lifecycle_policy)[1]!], { rule: 'ECR_LIFECYCLE_KEEPS_RELEASES' }],
    [
      'the old lifecycle policy "untagged after 14 days, then any tag, keep 100"',
      (j) =>
        editPolicy(find(j, 'aws_ecr_lifecycle_policy', 'us-east-1'), 'policy', (p: Json) => {
          p.rules = [
            { rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 }, action: { type: 'expire' } },
            { rulePriority: 2, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 100 }, action: { type: 'expire' } },
          ];
        }),
      { rule: 'ECR_LIFECYCLE_KEEPS_RELEASES' },
    ],
    [
      'the build role trusting CodeBuild of any account (confused deputy)',
      (j) => editPolicy(find(j, 'aws_iam_role', 'build'), 'assume_role_policy', (p) => delete p.Statement[0].Condition),
      { path: /codebuild\.amazonaws\.com sts:AssumeRole arn:aws:iam::111111111111:role\/orders-api-example-build/, explanation: /assume_role_policy/ },
    ],
    [
      'a trust policy over IAM\'s 2,048 characters',
      (j) =>
        editPolicy(find(j, 'aws_iam_role', 'pipeline'), 'assume_role_policy', (p) =>
          p.Statement.push({ Sid: 'Padding', Effect: 'Deny', Principal: { AWS: Array.from({ length: 60 }, (_, i) => `arn:aws:iam::${String(500000000000 + i)}:root`) }, Action: 'sts:AssumeRole' }),
        ),
      { rule: 'POLICY_SIZE_WITHIN_LIMITS' },
    ],
    ['build logs without retention', (j) => delete find(j, 'aws_cloudwatch_log_group', 'build').retention_in_days, { rule: 'CODEBUILD_LOGS_RETAINED' }],
    [
      'a plaintext secret in the build environment',
      (j) => find(j, 'aws_codebuild_project', 'build').environment.environment_variable.push({ name: 'GITHUB_TOKEN', value: 'ghp_x' }),
      { rule: 'CODEBUILD_NO_PLAINTEXT_SECRETS' },
    ],
    [
      'the image build run alongside the source check instead of after it',
      (j) => (find(j, 'aws_codepipeline', 'pipeline').stage[1].action[1].run_order = 1),
      { rule: 'SOURCE_COMMIT_ON_BRANCH' },
    ],
    [
      'the source check\'s buildspec replaced by one that passes everything',
      (j) => (find(j, 'aws_codebuild_project', 'source-check').source.buildspec = 'version: 0.2\nphases:\n  build:\n    commands:\n      - "true"\n'),
      { rule: 'SOURCE_COMMIT_ON_BRANCH' },
    ],
    [
      'the source delivered as a zip, without history',
      (j) => (find(j, 'aws_codepipeline', 'pipeline').stage[0].action[0].configuration.OutputArtifactFormat = 'CODE_ZIP'),
      { rule: 'SOURCE_COMMIT_ON_BRANCH' },
    ],
    [
      'roles without the role boundary',
      (j) => Object.values(j.resource.aws_iam_role as Record<string, Json>).forEach((r) => delete r.permissions_boundary),
      { rule: 'ROLES_WITHIN_BOUNDARY', path: new RegExp(`given AdministratorAccess iam:CreateUser arn:aws:iam::${TOOLING}:user/backdoor`) },
    ],
    [
      'a role whose boundary is AdministratorAccess',
      (j) => (find(j, 'aws_iam_role', `deploy-roles-${PROD}_action`).permissions_boundary = 'arn:aws:iam::aws:policy/AdministratorAccess'),
      // Without a boundary verify knows, the role has no ceiling: the rule fails, and so do the ceiling's denials.
      { rule: 'ROLES_WITHIN_BOUNDARY', path: new RegExp(`role orders-api-example-deploy \\(${PROD}\\) given AdministratorAccess iam:CreateUser arn:aws:iam::${PROD}:user/backdoor`) },
    ],
    [
      'a stack that owns the CodeStar Notifications service-linked role',
      (j) => {
        j.resource.aws_iam_service_linked_role = { slr: { provider: find(j, 'aws_iam_role', 'pipeline_role').provider, aws_service_name: 'codestar-notifications.amazonaws.com' } };
      },
      { rule: 'NO_SHARED_SERVICE_LINKED_ROLE' },
    ],
    [
      'a source connection in a target account, where its administrator clones what SourceOutput references',
      (j) => {
        const pipeline = Object.values(j.resource.aws_codepipeline)[0] as Json;
        const source = pipeline.stage[0].action[0];
        source.configuration.ConnectionArn = `arn:aws:codeconnections:eu-west-1:${DEV}:connection/0d1e2f3a-4b5c-4d7e-8f90-a1b2c3d4e5f6`;
      },
      { path: new RegExp(`role orders-api-example-deploy \\(${DEV}\\) codeconnections:UseConnection arn:aws:codeconnections:eu-west-1:${DEV}:connection/`) },
    ],
    [
      'a pipeline role that cannot write the us-east-1 store',
      (j) => editPolicy(find(j, 'aws_iam_role_policy', 'pipeline_role'), 'policy', (p) => {
        const keys = p.Statement.find((s) => s.Sid === 'ArtifactKeysReadWrite')!;
        keys.Resource = keys.Resource.filter((r: string) => !r.includes('us-east-1'));
      }),
      { path: /role orders-api-example-pipeline \(111111111111\) kms:GenerateDataKey arn:aws:kms:us-east-1/ },
    ],
  ];

  it.each(cases)('fails on %s', async (_what, mutate, expected) => {
    const json = fresh();
    mutate(json);
    const v = await verifyPlan('mutated', json);
    expect(v.ok).toBe(false);
    if (expected.rule) expect(failedRules(v)).toContain(expected.rule);
    if (expected.path) {
      const described = failedPaths(v).map((a) => ({ line: `${a.principal} ${a.action} ${a.resource}`, explanation: a.explanation ?? '' }));
      const hit = described.find((d) => expected.path!.test(d.line));
      expect({ failing: described.map((d) => d.line), hit: !!hit }).toEqual({ failing: expect.any(Array), hit: true });
      if (expected.explanation) expect(hit!.explanation).toMatch(expected.explanation);
    }
    if (!expected.path) expect(failedPaths(v)).toEqual([]);
  });
});

describe('fault coverage', () => {
  // Each rule must fail on a fault some test injects: `{ rule: 'ID' }` in the cases above, a structure case
  // (`'ID', /message/`), or an exact list of failed rules (`toEqual(['ID'])`).
  it('injects a fault for every rule verify runs', () => {
    const tests = readdirSync(__dirname).filter((f) => f.endsWith('.test.ts')).map((f) => readFileSync(join(__dirname, f), 'utf8')).join('\n');
    const injected = new Set([...tests.matchAll(/rule: '([A-Z0-9_]+)'|\s'([A-Z0-9_]+)',\s*\/|toEqual\(\['([A-Z0-9_]+)'\]\)/g)].map((m) => m[1] ?? m[2] ?? m[3]));
    const uncovered = checkRules(new Plan({})).map((r) => r.rule.id).filter((id) => !injected.has(id));
    expect(uncovered).toEqual([]);
  });
});

describe('reports', () => {
  it('names the failing path, the policy to change and the rule fix on the terminal and in Markdown', async () => {
    const json = fresh();
    find(json, 'aws_ecr_repository', 'us-east-1').image_tag_mutability = 'MUTABLE';
    editPolicy(find(json, 'aws_iam_role_policy', `deploy-roles-${TEST}_action`), 'policy', (p) => (p.Statement = p.Statement.filter((s) => s.Sid !== 'PassExecutionRoleToCloudFormation')));
    const v = await verifyPlan('broken', json);
    const text = terminalReport(v);
    expect(text).toMatch(/^FAIL broken: \d+\/\d+ needed paths allowed/);
    expect(text).toMatch(/FAIL path \(must be allowed\): role orders-api-example-deploy \(333333333333\) -> iam:PassRole/);
    expect(text).toMatch(/FAIL ECR_IMMUTABLE_TAGS aws_ecr_repository\.images-us-east-1_repository_\w+: tags are MUTABLE\. Fix: Set image_tag_mutability = "IMMUTABLE"/);
    const md = markdownReport(v);
    expect(md).toMatch(/^# Verify report: broken\n\n\*\*FAIL\*\*/);
    expect(md).toMatch(/\| FAIL \| \*\*ECR_IMMUTABLE_TAGS\*\*: Image tags are immutable \|.*\| FSBP ECR\.2, CKV_AWS_51 \|/);
    expect(md).toMatch(/\| FAIL \| allow \| role orders-api-example-deploy \(333333333333\) \| `iam:PassRole` \|/);
  });
});

describe('the pipeline intent record', () => {
  const { json: ecs } = synth(require('../config/example-ecs.json'), 'config/example-ecs.json');
  const { json: s3 } = synth(require('../config/example-s3.json'), 'config/example-s3.json');
  const failures = async (json: Json) => {
    const v = await verifyPlan('mutated', json);
    return { rules: failedRules(v), findings: v.rules.filter((r) => !r.ok).flatMap((r) => r.findings.map((f) => f.message)) };
  };
  const copy = (json: Json): Json => JSON.parse(JSON.stringify(json));
  const intentOf = (json: Json) => json.output.pipeline_intent.value;

  it('fails closed without a record, saying what verify cannot derive', async () => {
    const json = copy(good);
    delete json.output.pipeline_intent;
    const { rules, findings } = await failures(json);
    // The boundary check needs the record's prefix too: it fails closed beside it.
    expect(rules.filter((r) => r !== 'ROLES_WITHIN_BOUNDARY')).toEqual(['PIPELINE_INTENT']);
    expect(rules).toContain('ROLES_WITHIN_BOUNDARY');
    expect(findings.join('\n')).toMatch(/no boundary to hold it to/);
    expect(findings.find((f) => f.includes('without it'))).toMatch(/the plan has no output "pipeline_intent" .*without it verify cannot derive the build's image pushes/);
  });

  // Every part of the record, removed or changed, is a failure: never a smaller set of checks that still passes.
  it.each([
    ['the deployments', (j: Json) => delete intentOf(j).deployments, /deployments: .*expected array/],
    ['one deployment', (j: Json) => intentOf(j).deployments.pop(), /deployments \(account\/region\/action role\): the record says/],
    ['an execution role', (j: Json) => delete intentOf(j).deployments[0].executionRole, /execution roles of change sets/],
    ['the images', (j: Json) => delete intentOf(j).images, /image repository regions: the record says \[\]/],
    ['an image region', (j: Json) => intentOf(j).images.regions.pop(), /image repository regions/],
    ['the version', (j: Json) => (intentOf(j).version = 1), /version/],
    ['the prefix', (j: Json) => delete intentOf(j).prefix, /prefix/],
  ])('fails when the record loses %s', async (_what, mutate, message) => {
    const json = copy(good);
    mutate(json);
    const { rules, findings } = await failures(json);
    expect(rules).toContain('PIPELINE_INTENT');
    expect(findings.join('\n')).toMatch(message);
  });

  it.each([
    ['the build no longer pushes to every region', () => copy(good), (j: Json) => {
      const variables = find(j, 'aws_codebuild_project', 'build').environment.environment_variable;
      variables.find((v: Json) => v.name === 'IMAGE_REPOSITORIES').value = 'eu-west-1=111111111111.dkr.ecr.eu-west-1.amazonaws.com/x';
    }, /regions the build pushes to \(IMAGE_REPOSITORIES\)/],
    ['the ECS task roles dropped from the record', () => copy(ecs), (j: Json) => delete intentOf(j).taskRoles, /deploys ECS services but the record names no task roles/],
    ['the smoke test dropped from the record', () => copy(s3), (j: Json) => delete intentOf(j).smoke, /smoke-test functions the pipeline invokes: the record says \[\]/],
    ['the smoke function invoking nothing', () => copy(s3), (j: Json) => (find(j, 'aws_lambda_function', 'smoke').environment.variables.SMOKE_INVOKE = 'false'), /SMOKE_INVOKE/],
    ['the smoke check role renamed in the function', () => copy(s3), (j: Json) => (find(j, 'aws_lambda_function', 'smoke').environment.variables.CHECK_ROLE_NAME = 'other'), /CHECK_ROLE_NAME/],
  ])('fails when %s', async (_what, base, mutate, message) => {
    const json = base();
    mutate(json);
    const { rules, findings } = await failures(json);
    expect(rules).toContain('PIPELINE_INTENT');
    expect(findings.join('\n')).toMatch(message);
  });
});
