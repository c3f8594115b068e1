import { verifyPlan } from '../src/verify';
import { PROD, TOOLING, doc, list, resources, single, statement, synth } from './support';

const { json } = synth(require('../config/example-s3.json'), 'config/example-s3.json');
const pipeline = single(json, 'aws_codepipeline');
const smokeRole = `arn:aws:iam::${TOOLING}:role/orders-api-example-s3-smoke`;

describe('smoke tests', () => {
  it('run after the last actions of every wave, naming the pipeline and the stage', () => {
    for (const stage of pipeline.stage.slice(2)) {
      const last = stage.action.at(-1);
      expect(last).toMatchObject({ category: 'Invoke', provider: 'Lambda', name: 'smoke-test' });
      expect(last.run_order).toBe(Math.max(...stage.action.slice(0, -1).map((a: any) => a.run_order)) + 1);
      expect(JSON.parse(last.configuration.UserParameters)).toEqual({ pipeline: 'orders-api-example-s3', stage: stage.name });
    }
  });

  it('package lambda-src/smoke as the function code, with a role that can only read the pipeline, report and assume the check roles', () => {
    const fn = single(json, 'aws_lambda_function');
    expect(fn).toMatchObject({ function_name: 'orders-api-example-s3-smoke', runtime: 'nodejs22.x', handler: 'index.handler' });
    expect(fn.filename).toMatch(/assets\/smoke-test_code_\w+\/\w+\/archive\.zip$/);
    expect(fn.environment.variables).toEqual({ SMOKE_INVOKE: 'true', CHECK_ROLE_NAME: 'orders-api-example-s3-smoke-check' });
    const policy = doc(resources(json, 'aws_iam_role_policy').find(([n]) => n.startsWith('smoke-test'))![1].policy);
    expect(statement(policy, 'AssumeCheckRoles').Resource).toEqual([
      'arn:aws:iam::222222222222:role/orders-api-example-s3-smoke-check',
      `arn:aws:iam::${PROD}:role/orders-api-example-s3-smoke-check`,
    ]);
    expect(policy.Statement.flatMap((s) => list(s.Action)).sort()).toEqual(
      ['codepipeline:GetPipeline', 'codepipeline:PutJobFailureResult', 'codepipeline:PutJobSuccessResult', 'logs:CreateLogStream', 'logs:PutLogEvents', 'sts:AssumeRole'].sort(),
    );
  });

  it('check through a read-only role in each target account, trusted only by the smoke test; deploy roles trust only the pipeline', () => {
    const action = resources(json, 'aws_iam_role').find(([n]) => n.startsWith(`deploy-roles-${PROD}_action`))![1];
    expect(doc(action.assume_role_policy).Statement[0]!.Condition!.ArnEquals!['aws:PrincipalArn']).toEqual(`arn:aws:iam::${TOOLING}:role/orders-api-example-s3-pipeline`);
    const check = resources(json, 'aws_iam_role').find(([n]) => n.startsWith(`deploy-roles-${PROD}_smoke-check`))![1];
    expect(check.name).toBe('orders-api-example-s3-smoke-check');
    expect(doc(check.assume_role_policy).Statement[0]!.Condition!.ArnEquals!['aws:PrincipalArn']).toEqual(smokeRole);
    const policy = doc(resources(json, 'aws_iam_role_policy').find(([n]) => n.startsWith(`deploy-roles-${PROD}_smoke-check`))![1].policy);
    expect(policy.Statement.map((s) => [s.Sid, s.Action])).toEqual([
      ['ReadWorkloadStacks', 'cloudformation:DescribeStacks'],
      ['InvokeWorkloadFunctions', 'lambda:InvokeFunction'],
    ]);
    expect(statement(policy, 'InvokeWorkloadFunctions').Resource).toEqual([
      `arn:aws:lambda:eu-west-1:${PROD}:function:orders-api-example-s3-prod`,
      `arn:aws:lambda:us-east-1:${PROD}:function:orders-api-example-s3-prod`,
    ]);
    const actionPolicy = doc(resources(json, 'aws_iam_role_policy').find(([n]) => n.startsWith(`deploy-roles-${PROD}_action`))![1].policy);
    expect(actionPolicy.Statement.map((s) => s.Sid)).not.toContain('SmokeTestInvokesFunctions');
  });

  it('fail verify when a deploy role trusts the smoke test again: it could execute prod change sets without approval', async () => {
    const broken = JSON.parse(JSON.stringify(json));
    const [name, role] = resources(broken, 'aws_iam_role').find(([n]) => n.startsWith(`deploy-roles-${PROD}_action`))!;
    const trust = doc(role.assume_role_policy);
    trust.Statement[0]!.Condition!.ArnEquals!['aws:PrincipalArn'] = [`arn:aws:iam::${TOOLING}:role/orders-api-example-s3-pipeline`, smokeRole];
    broken.resource.aws_iam_role[name].assume_role_policy = JSON.stringify(trust);
    const v = await verifyPlan('broken', broken);
    expect([...new Set(v.access.filter((a) => !a.ok).map((a) => `${a.principal} ${a.action} ${a.resource}`))]).toEqual([
      `role orders-api-example-s3-smoke (${TOOLING}) sts:AssumeRole arn:aws:iam::${PROD}:role/orders-api-example-s3-deploy`,
    ]);
  });

  it('fail verify when the check role may change what it checks', async () => {
    const broken = JSON.parse(JSON.stringify(json));
    const [name, body] = resources(broken, 'aws_iam_role_policy').find(([n]) => n.startsWith(`deploy-roles-${PROD}_smoke-check`))!;
    const policy = doc(body.policy);
    policy.Statement.push({ Sid: 'Oops', Effect: 'Allow', Action: 'cloudformation:*', Resource: '*' });
    broken.resource.aws_iam_role_policy[name].policy = JSON.stringify(policy);
    const v = await verifyPlan('broken', broken);
    expect([...new Set(v.access.filter((a) => !a.ok).map((a) => `${a.action} ${a.resource}`))]).toEqual([
      `cloudformation:ExecuteChangeSet arn:aws:cloudformation:eu-west-1:${PROD}:stack/orders-api-example-s3-prod/smoke`,
      `cloudformation:ExecuteChangeSet arn:aws:cloudformation:us-east-1:${PROD}:stack/orders-api-example-s3-prod/smoke`,
    ]);
  });
});
