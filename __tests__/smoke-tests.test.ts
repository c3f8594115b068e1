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

  it('package lambda-src/smoke as the function code, with a role that can only read the pipeline, report and assume the action roles', () => {
    const fn = single(json, 'aws_lambda_function');
    expect(fn).toMatchObject({ function_name: 'orders-api-example-s3-smoke', runtime: 'nodejs22.x', handler: 'index.handler' });
    expect(fn.filename).toMatch(/assets\/smoke-test_code_\w+\/\w+\/archive\.zip$/);
    expect(fn.environment.variables.SMOKE_INVOKE).toBe('true');
    const policy = doc(resources(json, 'aws_iam_role_policy').find(([n]) => n.startsWith('smoke-test'))![1].policy);
    expect(statement(policy, 'CheckThroughActionRoles').Resource).toEqual([
      'arn:aws:iam::222222222222:role/orders-api-example-s3-deploy',
      `arn:aws:iam::${PROD}:role/orders-api-example-s3-deploy`,
    ]);
    expect(policy.Statement.flatMap((s) => list(s.Action)).sort()).toEqual(
      ['codepipeline:GetPipeline', 'codepipeline:PutJobFailureResult', 'codepipeline:PutJobSuccessResult', 'logs:CreateLogStream', 'logs:PutLogEvents', 'sts:AssumeRole'].sort(),
    );
  });

  it('are trusted by the action roles next to the pipeline role, which may invoke the deployed functions', () => {
    const role = resources(json, 'aws_iam_role').find(([n]) => n.startsWith(`deploy-roles-${PROD}_action`))![1];
    expect(list(doc(role.assume_role_policy).Statement[0]!.Condition!.ArnEquals!['aws:PrincipalArn'])).toEqual([`arn:aws:iam::${TOOLING}:role/orders-api-example-s3-pipeline`, smokeRole]);
    const policy = doc(resources(json, 'aws_iam_role_policy').find(([n]) => n.startsWith(`deploy-roles-${PROD}_action`))![1].policy);
    expect(statement(policy, 'SmokeTestInvokesFunctions').Resource).toEqual([
      `arn:aws:lambda:eu-west-1:${PROD}:function:orders-api-example-s3-prod`,
      `arn:aws:lambda:us-east-1:${PROD}:function:orders-api-example-s3-prod`,
    ]);
  });

  it('fail verify when an action role stops trusting the smoke test', async () => {
    const broken = JSON.parse(JSON.stringify(json));
    const [name, role] = resources(broken, 'aws_iam_role').find(([n]) => n.startsWith(`deploy-roles-${PROD}_action`))!;
    const trust = doc(role.assume_role_policy);
    trust.Statement[0]!.Condition!.ArnEquals!['aws:PrincipalArn'] = `arn:aws:iam::${TOOLING}:role/orders-api-example-s3-pipeline`;
    broken.resource.aws_iam_role[name].assume_role_policy = JSON.stringify(trust);
    const v = await verifyPlan('broken', broken);
    expect([...new Set(v.access.filter((a) => !a.ok).map((a) => `${a.action} ${a.resource}`))]).toEqual([`sts:AssumeRole arn:aws:iam::${PROD}:role/orders-api-example-s3-deploy`]);
  });
});
