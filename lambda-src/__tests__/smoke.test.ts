import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CodePipelineClient, GetPipelineCommand, PutJobFailureResultCommand, PutJobSuccessResultCommand } from '@aws-sdk/client-codepipeline';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { handler, runSmokeTest } = require('../smoke/index.js');

const codepipeline = mockClient(CodePipelineClient);
const sts = mockClient(STSClient);
const cfn = mockClient(CloudFormationClient);
const lambda = mockClient(LambdaClient);
const ecs = mockClient(ECSClient);

const ROLE = (account: string) => `arn:aws:iam::${account}:role/orders-deploy`;
const CHECK = (account: string) => `arn:aws:iam::${account}:role/orders-smoke-check`;
const job = (params: unknown = { pipeline: 'orders', stage: 'prod' }) => ({
  id: 'job-1',
  data: { actionConfiguration: { configuration: { FunctionName: 'smoke', ...(params === null ? {} : { UserParameters: typeof params === 'string' ? params : JSON.stringify(params) }) } } },
});
const execute = (account: string, region: string) => ({
  name: `${account}-${region}-execute`,
  actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'CloudFormation', version: '1' },
  roleArn: ROLE(account),
  region,
  configuration: { ActionMode: 'CHANGE_SET_EXECUTE', StackName: 'orders-prod', ChangeSetName: 'cs' },
});
const prepare = (account: string, region: string) => ({ ...execute(account, region), name: 'prepare', configuration: { ActionMode: 'CHANGE_SET_REPLACE', StackName: 'orders-prod' } });
const ecsDeploy = (account: string, region: string) => ({
  name: `${account}-${region}-deploy`,
  actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'ECS', version: '1' },
  roleArn: ROLE(account),
  region,
  configuration: { ClusterName: 'apps', ServiceName: 'web', FileName: 'imagedefinitions.json' },
});
const pipelineWith = (actions: object[]) => ({ pipeline: { name: 'orders', stages: [{ name: 'prod', actions }] } }) as never;
const deps = (invoke = true) => ({
  codepipeline: new CodePipelineClient({}),
  checkRoleName: 'orders-smoke-check',
  sts: new STSClient({}),
  invoke,
  lambda: (c: object) => new LambdaClient(c),
  cloudformation: (c: object) => new CloudFormationClient(c),
  ecs: (c: object) => new ECSClient(c),
});
const failureMessage = () => codepipeline.commandCalls(PutJobFailureResultCommand)[0]?.args[0].input.failureDetails?.message;

beforeEach(() => {
  for (const m of [codepipeline, sts, cfn, lambda, ecs]) m.reset();
  sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'AKIA', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date() } });
  codepipeline.on(PutJobSuccessResultCommand).resolves({});
  codepipeline.on(PutJobFailureResultCommand).resolves({});
});

describe('smoke test', () => {
  it('passes when every stack is complete and every function answers 200, checking each target with its read-only check role', async () => {
    codepipeline.on(GetPipelineCommand).resolves(pipelineWith([prepare('222222222222', 'eu-west-1'), execute('222222222222', 'eu-west-1'), execute('444444444444', 'us-east-1')]));
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'orders-prod', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date() }] });
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: Buffer.from(JSON.stringify({ statusCode: 200 })) as never });
    const outcome = await runSmokeTest(job(), deps(), 60000);
    expect(outcome).toEqual({ ok: true, problems: [] });
    expect(codepipeline.commandCalls(PutJobSuccessResultCommand)[0]!.args[0].input).toEqual({ jobId: 'job-1' });
    // Never the deploy role of the action: the smoke test runs outside the approval gate.
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn).sort()).toEqual([CHECK('222222222222'), CHECK('444444444444')]);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(2);
  });

  it('fails with the account, region, stack and status of a stack that rolled back', async () => {
    codepipeline.on(GetPipelineCommand).resolves(pipelineWith([execute('222222222222', 'eu-west-1')]));
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'orders-prod', StackStatus: 'UPDATE_ROLLBACK_COMPLETE', CreationTime: new Date() }] });
    const outcome = await runSmokeTest(job(), deps(), 60000);
    expect(outcome.ok).toBe(false);
    expect(failureMessage()).toBe('222222222222/eu-west-1: stack orders-prod is UPDATE_ROLLBACK_COMPLETE; see its events in the CloudFormation console');
    expect(codepipeline.commandCalls(PutJobSuccessResultCommand)).toHaveLength(0);
  });

  it('fails when the deployed function errors', async () => {
    codepipeline.on(GetPipelineCommand).resolves(pipelineWith([execute('222222222222', 'eu-west-1')]));
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'orders-prod', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }] });
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: Buffer.from('{"errorMessage":"boom"}') as never });
    await runSmokeTest(job(), deps(), 60000);
    expect(failureMessage()).toMatch(/^222222222222\/eu-west-1: function orders-prod failed \(Unhandled\): \{"errorMessage":"boom"\}/);
  });

  it('fails while an ECS service has not settled, and passes once it has', async () => {
    codepipeline.on(GetPipelineCommand).resolves(pipelineWith([ecsDeploy('222222222222', 'eu-west-1')]));
    ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceName: 'web', deployments: [{}, {}], runningCount: 1, desiredCount: 2 }] });
    await runSmokeTest(job(), deps(false), 60000);
    expect(failureMessage()).toMatch(/service web has not settled \(2 deployments, 1\/2 tasks running\)/);
    expect(ecs.commandCalls(DescribeServicesCommand)[0]!.args[0].input).toEqual({ cluster: 'apps', services: ['web'] });

    codepipeline.reset();
    codepipeline.on(GetPipelineCommand).resolves(pipelineWith([ecsDeploy('222222222222', 'eu-west-1')]));
    ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceName: 'web', deployments: [{}], runningCount: 2, desiredCount: 2 }] });
    expect(await runSmokeTest(job(), deps(false), 60000)).toEqual({ ok: true, problems: [] });
  });

  it('fails with a timeout message when a target does not answer in time', async () => {
    codepipeline.on(GetPipelineCommand).resolves(pipelineWith([execute('222222222222', 'eu-west-1')]));
    cfn.on(DescribeStacksCommand).callsFake(() => new Promise(() => undefined));
    const outcome = await runSmokeTest(job(), deps(false), 6000);
    expect(outcome.ok).toBe(false);
    expect(failureMessage()).toBe('222222222222/eu-west-1 orders-prod: no answer within 1 s');
  });

  it('reports an error of a target (denied role) as a failure, not a crash', async () => {
    codepipeline.on(GetPipelineCommand).resolves(pipelineWith([execute('222222222222', 'eu-west-1')]));
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('not authorized to perform sts:AssumeRole'), { name: 'AccessDenied' }));
    await runSmokeTest(job(), deps(), 60000);
    expect(failureMessage()).toBe('222222222222/eu-west-1: AccessDenied: not authorized to perform sts:AssumeRole');
  });

  it.each([
    ['missing UserParameters', null, /UserParameters is missing/],
    ['UserParameters that are not JSON', '{stage: prod', /UserParameters is not JSON/],
    ['UserParameters without a stage', { pipeline: 'orders' }, /needs "pipeline" and "stage" strings/],
    ['an unknown stage', { pipeline: 'orders', stage: 'qa' }, /pipeline orders has no stage "qa"/],
  ])('rejects %s as malformed input', async (_what, params, message) => {
    codepipeline.on(GetPipelineCommand).resolves(pipelineWith([execute('222222222222', 'eu-west-1')]));
    const outcome = await runSmokeTest(job(params), deps(), 60000);
    expect(outcome.ok).toBe(false);
    expect(failureMessage()).toMatch(/^malformed smoke test input: /);
    expect(failureMessage()).toMatch(message);
  });

  it('refuses an event that is not a CodePipeline job', async () => {
    await expect(handler({}, { getRemainingTimeInMillis: () => 1000 })).rejects.toThrow(/not a CodePipeline job event/);
    delete process.env.CHECK_ROLE_NAME;
    await expect(handler({ 'CodePipeline.job': job() }, { getRemainingTimeInMillis: () => 1000 })).rejects.toThrow(/CHECK_ROLE_NAME is not set/);
  });
});
