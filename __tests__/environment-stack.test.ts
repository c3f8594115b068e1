import { IMAGES_PER_REPOSITORY_QUOTA } from '../src/policy/repository';
import { canRemove, decidingRule } from '../src/verify/ecr-lifecycle';
import { findCycle, planGraph } from '../src/plan/plan-graph';
import { resourcesPerAccount } from '../cli/summary';
import { DEV, PROD, TEST, TOOLING, deref, doc, example, grantees, list, placeOf, resources, single, statement, synth, buildProject } from './support';

const { json, stack } = synth();
const role = (account: string, name: string) => `arn:aws:iam::${account}:role/orders-api-example-${name}`;

describe('providers', () => {
  const providers = json.provider.aws;

  it('declares one aliased provider per (account, region) in use, and no other', () => {
    const places = providers.map((p) => `${p.allowed_account_ids[0]}/${p.region}`).sort();
    expect(places).toEqual([
      `${DEV}/eu-west-1`,
      `${TEST}/eu-west-1`,
      `${TOOLING}/eu-west-1`,
      `${TOOLING}/us-east-1`,
      `${PROD}/eu-west-1`,
    ].sort());
    // Target accounts hold only IAM roles (global): one provider each. Terraform validates and starts every
    // declared configuration, so none is declared that no resource uses.
    const used = new Set(Object.values(json.resource).flatMap((byName) => Object.values(byName).map((body) => body.provider)));
    expect(providers.map((p) => `aws.${p.alias}`).filter((alias) => !used.has(alias))).toEqual([]);
  });

  it('pins each provider to its account and assumes the role the run names there: apply by default, or plan', () => {
    for (const p of providers) {
      expect(p.allowed_account_ids).toHaveLength(1);
      const account = p.allowed_account_ids[0];
      expect(p.assume_role[0].role_arn).toBe(`arn:aws:iam::${account}:role/\${var.terraform_role_name}`);
    }
    // Ephemeral: a saved plan made with the plan role does not carry it into the apply (docs/ci.md).
    expect(json.variable.terraform_role_name).toMatchObject({ ephemeral: true, nullable: false, type: 'string', default: 'terraform-apply-orders-api-example' });
    expect(json.variable.terraform_role_name.validation[0].condition).toBe('${contains(["terraform-plan-orders-api-example","terraform-apply-orders-api-example"], var.terraform_role_name)}');
  });

  it('tags every resource with project and environment', () => {
    for (const p of providers) {
      expect(p.default_tags[0].tags).toMatchObject({ project: 'cross-account-pipeline', environment: 'example' });
    }
  });

  it('uses the role name the environment file gives', () => {
    const input = example();
    input.terraformRoleName = 'PlatformDeployer';
    const { json: custom } = synth(input);
    expect(custom.variable.terraform_role_name.default).toBe('PlatformDeployer');
    expect(custom.variable.terraform_role_name.validation[0].condition).toContain('"PlatformDeployer"');
  });
});

describe('placement: every resource lands in its account and region', () => {
  it('places every resource with a provider of this stack', () => {
    for (const [type, byName] of Object.entries(json.resource)) {
      for (const [name, body] of Object.entries(byName)) {
        expect({ resource: `${type}.${name}`, provider: typeof body.provider }).toEqual({ resource: `${type}.${name}`, provider: 'string' });
        placeOf(json, body);
      }
    }
  });

  it('keeps the pipeline, build, connection and log group in the tooling account, pipeline region', () => {
    for (const type of ['aws_codepipeline', 'aws_codebuild_project', 'aws_codeconnections_connection', 'aws_cloudwatch_log_group']) {
      for (const [, body] of resources(json, type)) expect(placeOf(json, body)).toEqual({ account: TOOLING, region: 'eu-west-1' });
    }
  });

  it('puts one artifact bucket and key in the tooling account of every pipeline region', () => {
    for (const type of ['aws_s3_bucket', 'aws_kms_key']) {
      const places = resources(json, type).map(([, b]) => placeOf(json, b));
      expect(places).toEqual([
        { account: TOOLING, region: 'eu-west-1' },
        { account: TOOLING, region: 'us-east-1' },
      ]);
    }
    for (const [, bucket] of resources(json, 'aws_s3_bucket')) {
      expect(bucket.bucket).toBe(`orders-api-example-artifacts-${TOOLING}-${placeOf(json, bucket).region}`);
    }
  });

  it('puts an image repository in the tooling account of every deploy region', () => {
    const places = resources(json, 'aws_ecr_repository').map(([, b]) => placeOf(json, b));
    expect(places).toEqual([
      { account: TOOLING, region: 'eu-west-1' },
      { account: TOOLING, region: 'us-east-1' },
    ]);
  });

  it('creates the action and execution roles in each target account, under deterministic names', () => {
    const roles = resources(json, 'aws_iam_role').map(([, b]) => `${placeOf(json, b).account}:${b.name}`);
    expect(roles.sort()).toEqual(
      [
        `${TOOLING}:orders-api-example-pipeline`,
        `${TOOLING}:orders-api-example-build`,
        `${TOOLING}:orders-api-example-source-check`,
        ...[DEV, TEST, PROD].flatMap((a) => [`${a}:orders-api-example-deploy`, `${a}:orders-api-example-cfn-exec`]),
      ].sort(),
    );
  });

  it('keeps sub-resources next to their parent', () => {
    const parented: Array<[string, string]> = [
      ['aws_s3_bucket_policy', 'bucket'],
      ['aws_s3_bucket_versioning', 'bucket'],
      ['aws_s3_bucket_public_access_block', 'bucket'],
      ['aws_s3_bucket_server_side_encryption_configuration', 'bucket'],
      ['aws_s3_bucket_ownership_controls', 'bucket'],
      ['aws_s3_bucket_lifecycle_configuration', 'bucket'],
      ['aws_ecr_repository_policy', 'repository'],
      ['aws_ecr_lifecycle_policy', 'repository'],
      ['aws_iam_role_policy', 'role'],
      ['aws_kms_alias', 'target_key_id'],
    ];
    for (const [type, attr] of parented) {
      for (const [, body] of resources(json, type)) expect(placeOf(json, deref(json, body[attr]))).toEqual(placeOf(json, body));
    }
  });
});

describe('one plan', () => {
  it('has no dependency cycle', () => {
    expect(findCycle(planGraph(json))).toBeUndefined();
  });

  it('keeps role permissions out of the role (separate aws_iam_role_policy resources)', () => {
    for (const [, r] of resources(json, 'aws_iam_role')) {
      expect(r.inline_policy).toBeUndefined();
      expect(r.managed_policy_arns).toBeUndefined();
    }
    expect(resources(json, 'aws_iam_role_policy')).toHaveLength(resources(json, 'aws_iam_role').length);
  });

  it('lets the pipeline start only once every grant of its first run exists', () => {
    const pipeline = single(json, 'aws_codepipeline');
    const dependsOn: string[] = pipeline.depends_on;
    for (const type of ['aws_iam_role_policy', 'aws_s3_bucket_policy', 'aws_ecr_repository_policy']) {
      for (const [name] of resources(json, type)) {
        if (type === 'aws_iam_role_policy' && /^(build|source-check)_/.test(name)) continue; // its project waits for it
        expect(dependsOn).toContain(`${type}.${name}`);
      }
    }
    const project = buildProject(json);
    expect(project.depends_on).toEqual([expect.stringMatching(/^aws_iam_role_policy\.build_role_permissions/)]);
    // The projects the Build stage runs come after the pipeline in the code (they clone through its connection).
    for (const [name] of resources(json, 'aws_codebuild_project')) expect(dependsOn).toContain(`aws_codebuild_project.${name}`);
  });
});

describe('principals that do not break', () => {
  const policies: Array<[string, string]> = [
    ...resources(json, 'aws_kms_key').map(([n, b]): [string, string] => [n, b.policy]),
    ...resources(json, 'aws_s3_bucket_policy').map(([n, b]): [string, string] => [n, b.policy]),
    ...resources(json, 'aws_ecr_repository_policy').map(([n, b]): [string, string] => [n, b.policy]),
    ...resources(json, 'aws_iam_role').map(([n, b]): [string, string] => [n, b.assume_role_policy]),
  ];

  it('names only account roots, services, or "*" narrowed to accounts by aws:PrincipalAccount as principals, never a role ARN', () => {
    for (const [name, text] of policies) {
      for (const s of doc(text).Statement) {
        const p = s.Principal;
        if (p === '*' || p === undefined) continue;
        for (const arn of list(p.AWS)) {
          if (arn === '*') expect({ name, sid: s.Sid, accounts: list(s.Condition?.StringEquals?.['aws:PrincipalAccount']).every((a) => /^\d{12}$/.test(a)) && !!s.Condition?.StringEquals?.['aws:PrincipalAccount'] }).toEqual({ name, sid: s.Sid, accounts: true });
          else expect({ name, arn }).toEqual({ name, arn: expect.stringMatching(/^arn:aws:iam::\d{12}:root$/) });
        }
      }
    }
  });

  it('narrows every account-root principal with aws:PrincipalArn, except the key owner administering its key', () => {
    for (const [name, text] of policies) {
      for (const s of doc(text).Statement) {
        if (s.Principal === '*' || !s.Principal?.AWS || s.Sid === 'KeyAdministrationByOwnerAccount') continue;
        expect({ name, sid: s.Sid, condition: s.Condition?.ArnEquals?.['aws:PrincipalArn'] ?? s.Condition?.ArnLike?.['aws:PrincipalArn'] }).toEqual({
          name,
          sid: s.Sid,
          condition: expect.anything(),
        });
      }
    }
  });

  it('conditions every statement whose principal is "*"', () => {
    for (const [name, text] of policies) {
      for (const s of doc(text).Statement.filter((st) => st.Principal === '*')) {
        expect({ name, sid: s.Sid, effect: s.Effect, hasCondition: !!s.Condition }).toEqual({ name, sid: s.Sid, effect: 'Deny', hasCondition: true });
      }
    }
  });
});

describe('artifact stores', () => {
  const keyFor = (region: string) => resources(json, 'aws_kms_key').find(([, b]) => placeOf(json, b).region === region)![1];
  const keyPolicy = (region: string) => doc(keyFor(region).policy);

  it('rotates every key, keeps the maximum deletion window and gives it an alias', () => {
    for (const [, key] of resources(json, 'aws_kms_key')) {
      expect(key.enable_key_rotation).toBe(true);
      expect(key.deletion_window_in_days).toBe(30);
    }
    expect(resources(json, 'aws_kms_alias').map(([, a]) => a.name)).toEqual(['alias/orders-api-example-artifacts', 'alias/orders-api-example-artifacts']);
  });

  it('lets only the pipeline and the build write artifacts; each target account reads only its regions\' stores', () => {
    const writers = (region: string) => grantees(keyPolicy(region), 'WritersUseKey');
    const readers = (region: string) => grantees(keyPolicy(region), 'ReadersDecrypt');
    // No deploy action produces an artifact, so no target-account role writes: dev cannot replace what prod reads.
    expect(writers('eu-west-1')).toEqual([role(TOOLING, 'build'), role(TOOLING, 'pipeline')]);
    expect(writers('us-east-1')).toEqual([role(TOOLING, 'pipeline')]);
    // The source check reads the source artifact in the pipeline region.
    expect(readers('eu-west-1')).toEqual([role(TOOLING, 'source-check'), ...[DEV, TEST, PROD].flatMap((a) => [role(a, 'cfn-exec'), role(a, 'deploy')])].sort());
    // dev deploys only to eu-west-1.
    expect(readers('us-east-1')).toEqual([TEST, PROD].flatMap((a) => [role(a, 'cfn-exec'), role(a, 'deploy')]).sort());
    expect(statement(keyPolicy('eu-west-1'), 'ReadersDecrypt').Action).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
    expect(list(statement(keyPolicy('eu-west-1'), 'WritersUseKey').Action)).toEqual(expect.arrayContaining(['kms:GenerateDataKey*', 'kms:Encrypt']));
  });

  it('lets only the build and source-check log groups, through CloudWatch Logs, use the pipeline-region key', () => {
    const logs = statement(keyPolicy('eu-west-1'), 'CloudWatchLogsEncryptLogGroups');
    expect(logs.Principal).toEqual({ Service: 'logs.eu-west-1.amazonaws.com' });
    expect(logs.Condition!.ArnEquals!['kms:EncryptionContext:aws:logs:arn']).toEqual([
      `arn:aws:logs:eu-west-1:${TOOLING}:log-group:/aws/codebuild/orders-api-example-image`,
      `arn:aws:logs:eu-west-1:${TOOLING}:log-group:/aws/codebuild/orders-api-example-source-check`,
    ]);
    expect(keyPolicy('us-east-1').Statement.map((s) => s.Sid)).not.toContain('CloudWatchLogsEncryptLogGroups');
  });

  it('keeps grant operations out of the key policy', () => {
    for (const region of ['eu-west-1', 'us-east-1']) {
      for (const s of keyPolicy(region).Statement) expect(list(s.Action)).not.toContain('kms:CreateGrant');
    }
  });

  it('secures every bucket: owner enforced, versioned, private, SSE-KMS with its own region key, TLS only, expiring old versions', () => {
    for (const [, bucket] of resources(json, 'aws_s3_bucket')) {
      const region = placeOf(json, bucket).region;
      const of = (type: string) => resources(json, type).map(([, b]) => b).find((b) => deref(json, b.bucket) === bucket)!;
      expect(of('aws_s3_bucket_ownership_controls').rule.object_ownership).toBe('BucketOwnerEnforced');
      expect(of('aws_s3_bucket_versioning').versioning_configuration.status).toBe('Enabled');
      expect(of('aws_s3_bucket_public_access_block')).toMatchObject({
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
      const sse = of('aws_s3_bucket_server_side_encryption_configuration').rule[0];
      expect(sse.bucket_key_enabled).toBe(true);
      expect(sse.apply_server_side_encryption_by_default.sse_algorithm).toBe('aws:kms');
      expect(deref(json, sse.apply_server_side_encryption_by_default.kms_master_key_id)).toBe(keyFor(region));
      const lifecycle = of('aws_s3_bucket_lifecycle_configuration').rule[0];
      expect(lifecycle.noncurrent_version_expiration[0].noncurrent_days).toBe(30);
      const tls = statement(doc(of('aws_s3_bucket_policy').policy), 'DenyInsecureTransport');
      expect(tls).toMatchObject({ Effect: 'Deny', Principal: '*', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
      expect(list(tls.Resource)).toEqual([`arn:aws:s3:::${bucket.bucket}`, `arn:aws:s3:::${bucket.bucket}/*`]);
    }
  });
});

describe('image repositories', () => {
  it('are immutable, scanned on push, AES-256 encrypted and expire old images', () => {
    for (const [, repo] of resources(json, 'aws_ecr_repository')) {
      expect(repo.image_tag_mutability).toBe('IMMUTABLE');
      expect(repo.image_scanning_configuration.scan_on_push).toBe(true);
      expect(repo.name).toBe('orders-api-example');
    }
    for (const [, lifecycle] of resources(json, 'aws_ecr_lifecycle_policy')) {
      // By ECR's documented rule order: released digests stay, unpromoted builds and untagged leftovers expire.
      expect(canRemove(decidingRule(lifecycle.policy, ['build-1', 'release-1'])!, IMAGES_PER_REPOSITORY_QUOTA)).toBe(false);
      expect(canRemove(decidingRule(lifecycle.policy, ['build-2'])!, IMAGES_PER_REPOSITORY_QUOTA)).toBe(true);
      expect(canRemove(decidingRule(lifecycle.policy, [])!, IMAGES_PER_REPOSITORY_QUOTA)).toBe(true);
    }
  });

  it('let the execution roles and the Lambda service of exactly the accounts deploying in that region pull', () => {
    const policyIn = (region: string) =>
      doc(resources(json, 'aws_ecr_repository_policy').find(([, b]) => placeOf(json, b).region === region)![1].policy);
    const us = policyIn('us-east-1');
    expect(grantees(us, 'TargetRolesPullImage')).toEqual([role(TEST, 'cfn-exec'), role(PROD, 'cfn-exec')].sort());
    const lambda = statement(us, 'LambdaPullsForTargetFunctions');
    expect(lambda.Principal).toEqual({ Service: 'lambda.amazonaws.com' });
    expect(lambda.Action).toEqual(['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']);
    expect(lambda.Condition).toEqual({
      StringLike: { 'aws:sourceArn': ['arn:aws:lambda:us-east-1:*:function:orders-api-example-prod', 'arn:aws:lambda:us-east-1:*:function:orders-api-example-test'] },
      StringEqualsIfExists: { 'aws:SourceAccount': [TEST, PROD] },
    });
    expect(statement(policyIn('eu-west-1'), 'LambdaPullsForTargetFunctions').Condition!.StringEqualsIfExists!['aws:SourceAccount']).toEqual([DEV, TEST, PROD]);
  });
});

describe('image build', () => {
  const project = buildProject(json);

  it('encrypts its output with the pipeline-region CMK, not aws/s3', () => {
    const key = deref(json, project.encryption_key);
    expect(placeOf(json, key)).toEqual({ account: TOOLING, region: 'eu-west-1' });
  });

  it('builds lambda-src with Docker and pushes to the repository of every deploy region', () => {
    expect(project.source).toMatchObject({ type: 'CODEPIPELINE', buildspec: 'lambda-src/buildspec.yml' });
    expect(project.environment.privileged_mode).toBe(true);
    const vars = Object.fromEntries(project.environment.environment_variable.map((v: { name: string; value: string }) => [v.name, v.value]));
    expect(vars.WORKLOAD_DIR).toBe('lambda-src');
    const entries = vars.IMAGE_REPOSITORIES.split(' ').map((e: string) => e.split('='));
    expect(entries.map(([r]: string[]) => r)).toEqual(['eu-west-1', 'us-east-1']);
    for (const [region, uri] of entries) expect(placeOf(json, deref(json, uri))).toEqual({ account: TOOLING, region });
  });

  it('logs to a retained log group encrypted with the pipeline key', () => {
    const group = resources(json, 'aws_cloudwatch_log_group').find(([n]) => n.startsWith('build_'))![1];
    expect(group.name).toBe('/aws/codebuild/orders-api-example-image');
    expect(group.retention_in_days).toBe(90);
    expect(deref(json, group.kms_key_id)).toBe(deref(json, project.encryption_key));
    expect(deref(json, project.logs_config.cloudwatch_logs.group_name)).toBe(group);
  });
});

describe('pipeline', () => {
  const pipeline = single(json, 'aws_codepipeline');
  const deployActions = pipeline.stage.slice(2).flatMap((s: { action: any[] }) => s.action).filter((a: any) => a.category === 'Deploy');

  it('is a V2 pipeline with one artifact store per region, each with its own region key', () => {
    expect(pipeline.pipeline_type).toBe('V2');
    expect(pipeline.artifact_store.map((s: any) => s.region)).toEqual(['eu-west-1', 'us-east-1']);
    for (const store of pipeline.artifact_store) {
      expect(store.encryption_key.type).toBe('KMS');
      expect(placeOf(json, deref(json, store.encryption_key.id)).region).toBe(store.region);
      expect(placeOf(json, deref(json, store.location)).region).toBe(store.region);
    }
  });

  it('has a store for every action region', () => {
    const storeRegions = new Set(pipeline.artifact_store.map((s: any) => s.region));
    for (const action of deployActions) expect(storeRegions.has(action.region)).toBe(true);
  });

  it('runs Source (GitHub connection), Build, then dev, test, prod in order', () => {
    expect(pipeline.stage.map((s: any) => s.name)).toEqual(['Source', 'Build', 'dev', 'test', 'prod']);
    const source = pipeline.stage[0].action[0];
    expect(source.provider).toBe('CodeStarSourceConnection');
    expect(source.configuration).toMatchObject({ FullRepositoryId: 'example-org/orders-api', BranchName: 'main' });
    expect(deref(json, source.configuration.ConnectionArn)).toBe(single(json, 'aws_codeconnections_connection'));
    // The source check runs first, then the build, both on the source's clone reference.
    expect(source.configuration.OutputArtifactFormat).toBe('CODEBUILD_CLONE_REF');
    expect(pipeline.stage[1].action.map((a: { run_order: number; configuration: { ProjectName: string } }) => [a.run_order, a.configuration.ProjectName])).toEqual([
      [1, 'orders-api-example-source-check'],
      [2, buildProject(json).name],
    ]);
  });

  it('runs every deploy action in its target account (action role) and region, with CloudFormation on the execution role', () => {
    const expected = [
      [DEV, 'eu-west-1'],
      [TEST, 'eu-west-1'],
      [TEST, 'us-east-1'],
      [PROD, 'eu-west-1'],
      [PROD, 'us-east-1'],
    ];
    const prepares = deployActions.filter((a: any) => a.configuration.ActionMode === 'CHANGE_SET_REPLACE');
    expect(prepares.map((a: any) => [a.role_arn.split(':')[4], a.region])).toEqual(expected);
    for (const a of deployActions) {
      const account = a.role_arn.split(':')[4];
      expect(a.role_arn).toBe(role(account, 'deploy'));
      if (a.configuration.ActionMode === 'CHANGE_SET_REPLACE') {
        expect(a.configuration.RoleArn).toBe(role(account, 'cfn-exec'));
        expect(JSON.parse(a.configuration.ParameterOverrides).ImageUri).toEqual({ 'Fn::GetParam': ['BuildOutput', 'images.json', a.region] });
      }
    }
  });

  it('asks for approval in prod after the change sets are ready and before any of them executes', () => {
    const prod = pipeline.stage.find((s: any) => s.name === 'prod');
    const approval = prod.action.find((a: any) => a.category === 'Approval');
    expect(approval.provider).toBe('Manual');
    for (const a of prod.action.filter((x: any) => x.category === 'Deploy')) {
      if (a.configuration.ActionMode === 'CHANGE_SET_REPLACE') expect(a.run_order).toBeLessThan(approval.run_order);
      else expect(a.run_order).toBeGreaterThan(approval.run_order);
    }
    for (const name of ['dev', 'test']) {
      expect(pipeline.stage.find((s: any) => s.name === name).action.some((a: any) => a.category === 'Approval')).toBe(false);
    }
  });

  it('may assume exactly the action roles of the target accounts', () => {
    const policy = doc(resources(json, 'aws_iam_role_policy').find(([n]) => n.startsWith('pipeline_role'))![1].policy);
    expect(statement(policy, 'AssumeDeployActionRoles').Resource).toEqual([role(DEV, 'deploy'), role(TEST, 'deploy'), role(PROD, 'deploy')]);
  });

  it('uses an existing connection instead of creating one when the file names it', () => {
    const input = example();
    const arn = `arn:aws:codeconnections:eu-west-1:${TOOLING}:connection/0a1b2c3d-4e5f-6789-abcd-ef0123456789`;
    input.source.connectionArn = arn;
    const { json: custom } = synth(input);
    expect(custom.resource.aws_codeconnections_connection).toBeUndefined();
    expect(single(custom, 'aws_codepipeline').stage[0].action[0].configuration.ConnectionArn).toBe(arn);
    expect(custom.output.connection_status).toBeUndefined();
  });
});

describe('outputs', () => {
  it('gives the pipeline, its console URL, the connection and its handshake, buckets, repositories and roles', () => {
    expect(Object.keys(json.output).sort()).toEqual(
      ['artifact_buckets', 'connection_arn', 'connection_handshake', 'connection_status', 'deploy_roles', 'image_repositories', 'pipeline_intent', 'pipeline_name', 'pipeline_url'].sort(),
    );
    expect(String(json.output.pipeline_url!.value)).toMatch(/^https:\/\/eu-west-1\.console\.aws\.amazon\.com\/codesuite\/codepipeline\/pipelines\//);
    expect(json.output.connection_handshake!.value).toMatch(/PENDING/);
    expect(Object.keys(json.output.artifact_buckets!.value as object)).toEqual(['eu-west-1', 'us-east-1']);
    expect(Object.keys(json.output.deploy_roles!.value as object)).toEqual([DEV, TEST, PROD]);
  });

  it('counts resources per account in the synth summary', () => {
    const counts = resourcesPerAccount(stack);
    // Action role, execution role and their policies; the boundaries are ci-setup's, outside the stack.
    expect(counts.get(DEV)).toBe(4);
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(Object.values(json.resource).reduce((n, r) => n + Object.keys(r).length, 0));
  });
});
