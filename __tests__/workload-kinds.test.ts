import { ConfigError } from '../src/config/issue';
import { parseEnvironment } from '../src/environment/load';
import { verifyPlan } from '../src/verify';
import { grantToRoles } from '../src/policy/document';
import { PROD, TEST, doc, example, grantees, list, placeOf, resources, single, statement, synth, buildProject } from './support';

const shipped = (file: string) => require(`../config/${file}`);
const role = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;

describe('ecs-service workload', () => {
  const { json } = synth(shipped('example-ecs.json'), 'config/example-ecs.json');
  const pipeline = single(json, 'aws_codepipeline');

  it('rolls each region out with the ECS deploy action and that region\'s image definitions, after the prod approval', () => {
    const prod = pipeline.stage.find((s: any) => s.name === 'prod');
    expect(prod.action.map((a: any) => [a.provider, a.run_order, a.region ?? null])).toEqual([
      ['Manual', 1, null],
      ['ECS', 2, 'eu-west-1'],
      ['ECS', 2, 'us-east-1'],
      ['Lambda', 3, null],
    ]);
    expect(prod.action[2].configuration).toEqual({ ClusterName: 'apps', ServiceName: 'orders-web', FileName: 'imagedefinitions-us-east-1.json' });
    expect(prod.action[2].role_arn).toBe(role(PROD, 'orders-web-example-ecs-deploy'));
  });

  it('creates the action role (and the smoke test\'s read-only role) in target accounts, allowed to update the service and pass the task roles to ECS', () => {
    expect(resources(json, 'aws_iam_role').filter(([, r]) => placeOf(json, r).account === PROD).map(([, r]) => r.name)).toEqual(['orders-web-example-ecs-deploy', 'orders-web-example-ecs-smoke-check']);
    const check = doc(resources(json, 'aws_iam_role_policy').find(([n]) => n.startsWith(`deploy-roles-${PROD}_smoke-check`))![1].policy);
    expect(check.Statement.map((s) => [s.Sid, s.Action])).toEqual([['ReadServices', 'ecs:DescribeServices']]);
    const policy = doc(resources(json, 'aws_iam_role_policy').find(([n]) => n.startsWith(`deploy-roles-${PROD}_action`))![1].policy);
    expect(statement(policy, 'UpdateWorkloadServices').Resource).toEqual([
      `arn:aws:ecs:eu-west-1:${PROD}:service/apps/orders-web`,
      `arn:aws:ecs:us-east-1:${PROD}:service/apps/orders-web`,
    ]);
    expect(statement(policy, 'PassTaskRolesToEcs')).toMatchObject({
      Resource: [role(PROD, 'orders-web-task'), role(PROD, 'orders-web-task-execution')],
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    });
    expect(list(policy.Statement.flatMap((s) => list(s.Action)))).not.toContain('s3:PutObject');
  });

  it('lets the task execution roles pull, and no Lambda service', () => {
    for (const [, p] of resources(json, 'aws_ecr_repository_policy')) {
      const policy = doc(p.policy);
      expect(policy.Statement.every((s) => /^TargetRolesPullImage\d*$/.test(s.Sid))).toBe(true);
      expect(grantees(policy, 'TargetRolesPullImage')).toContain(role(PROD, 'orders-web-task-execution'));
    }
  });

  it('tells the build which container the image definitions name', () => {
    const vars = buildProject(json).environment.environment_variable;
    expect(vars).toEqual(expect.arrayContaining([{ name: 'CONTAINER_NAME', value: 'web' }, { name: 'SCAN_FAIL_ON', value: 'HIGH' }]));
  });

  it('fits 49 deployments and the approval in one stage (one action per deployment)', () => {
    const input = { ...shipped('example-ecs.json'), smokeTests: false };
    input.stages[1].targets = Array.from({ length: 49 }, (_, i) => ({ account: String(500000000000 + i), regions: ['eu-west-1'] }));
    const { json: big } = synth(input, 'config/example-ecs.json');
    expect(single(big, 'aws_codepipeline').stage.map((s: any) => [s.name, s.action.length])).toEqual([['Source', 1], ['Build', 2], ['dev', 1], ['prod', 50]]);
  });

  it('fails verify when the action role may not pass the task roles, or the repository refuses the task execution role', async () => {
    const noPass = JSON.parse(JSON.stringify(json));
    const [name, body] = resources(noPass, 'aws_iam_role_policy').find(([n]) => n.startsWith(`deploy-roles-${PROD}_action`))!;
    const policy = doc(body.policy);
    policy.Statement = policy.Statement.filter((s) => s.Sid !== 'PassTaskRolesToEcs');
    noPass.resource.aws_iam_role_policy[name].policy = JSON.stringify(policy);
    const v = await verifyPlan('ecs', noPass);
    expect(v.access.filter((a) => !a.ok).map((a) => `${a.action} ${a.resource}`)).toEqual(
      expect.arrayContaining([`iam:PassRole ${role(PROD, 'orders-web-task-execution')}`, `iam:PassRole ${role(PROD, 'orders-web-task')}`]),
    );

    const noPull = JSON.parse(JSON.stringify(json));
    const [repoName, repo] = resources(noPull, 'aws_ecr_repository_policy').find(([, b]) => placeOf(noPull, b).region === 'us-east-1')!;
    const repoPolicy = doc(repo.policy);
    repoPolicy.Statement = [
      ...repoPolicy.Statement.filter((s) => !/^TargetRolesPullImage\d*$/.test(s.Sid)),
      ...grantToRoles({ Sid: 'TargetRolesPullImage', Effect: 'Allow', Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] }, [role(PROD, 'someone-else')]),
    ];
    noPull.resource.aws_ecr_repository_policy[repoName].policy = JSON.stringify(repoPolicy);
    const v2 = await verifyPlan('ecs', noPull);
    expect(v2.access.filter((a) => !a.ok).map((a) => a.why)).toContain(`ECS pulls the image for orders-web (${PROD}-us-east-1-deploy)`);
  });
});

describe('cloudformation workload', () => {
  const { json } = synth(shipped('example-cfn.json'), 'config/example-cfn.json');

  it('deploys the template with its configuration file and builds no image', () => {
    expect(json.resource.aws_ecr_repository).toBeUndefined();
    const prepare = single(json, 'aws_codepipeline').stage[2].action[0];
    expect(prepare.configuration).toMatchObject({ TemplatePath: 'BuildOutput::template.yaml', TemplateConfiguration: 'BuildOutput::params.json' });
    const vars = buildProject(json).environment.environment_variable.map((v: { name: string }) => v.name);
    expect(vars).toEqual(['WORKLOAD_DIR']);
    // No image, no Docker daemon: the build runs unprivileged; the source check never is privileged.
    for (const [, project] of resources(json, 'aws_codebuild_project')) expect(project.environment.privileged_mode ?? false).toBe(false);
    const buildPolicy = doc(resources(json, 'aws_iam_role_policy').find(([n]) => n.startsWith('build_'))![1].policy);
    expect(buildPolicy.Statement.flatMap((s) => list(s.Action)).some((a) => a.startsWith('ecr:'))).toBe(false);
  });

  it('grants the execution role the file\'s permissions, scoped to each account\'s own stacks', () => {
    const policy = doc(resources(json, 'aws_iam_role_policy').find(([n]) => n.startsWith(`deploy-roles-${TEST}_execution`))![1].policy);
    expect(statement(policy, 'ManageEventQueues').Resource).toEqual([
      `arn:aws:sqs:eu-west-1:${TEST}:orders-events-example-cfn-test-*`,
      `arn:aws:sqs:us-east-1:${TEST}:orders-events-example-cfn-test-*`,
    ]);
  });
});

describe('bad workload input', () => {
  const issues = (workload: object) => {
    try {
      parseEnvironment({ ...example(), workload } as never, 'config/example.json');
    } catch (err) {
      return (err as ConfigError).issues;
    }
    throw new Error('expected a ConfigError');
  };

  it('names the missing fields of an ECS workload', () => {
    expect(issues({ kind: 'ecs-service', name: 'web' }).map((i) => i.path)).toEqual([
      'workload.cluster',
      'workload.service',
      'workload.container',
      'workload.taskExecutionRoleName',
    ]);
  });

  it('needs a template and permissions for a cloudformation workload', () => {
    expect(issues({ kind: 'cloudformation', name: 'events' })).toEqual([
      { path: 'workload.template', message: 'is required: Template file in the build output.' },
      { path: 'workload.permissions', message: 'is required: What the CloudFormation execution role may do: exactly what the template creates.' },
    ]);
  });

  it('refuses a template role that could pass any role', () => {
    expect(issues({ kind: 'cloudformation', name: 'events', template: 't.yaml', permissions: [{ Action: ['iam:PassRole'], Resource: '*' }] })).toEqual([
      { path: 'workload.permissions[0]', message: expect.stringMatching(/allows iam:PassRole on roles the template does not create .*could become any role/) },
    ]);
  });

  it('rejects an unknown kind and an unknown scan severity', () => {
    expect(issues({ kind: 'k8s', name: 'x' })).toEqual([{ path: 'workload.kind', message: 'must be "lambda-container", "ecs-service" or "cloudformation"' }]);
    expect(() => parseEnvironment({ ...example(), imageScan: { failOn: 'SEVERE' } } as never, 'config/example.json')).toThrow(
      /imageScan\.failOn: must be one of CRITICAL, HIGH, MEDIUM, LOW or OFF/,
    );
  });
});
