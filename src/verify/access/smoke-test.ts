/**
 * The smoke test: it reads the pipeline and checks each deployment through a read-only role.
 */
import { pipelineArn as pipelineArnOf } from '../../model/naming';
import { Paths, PipelineContext } from './collector';

/** The smoke test: it reads the pipeline and checks each deployment through a read-only role. */
export function smokeTestPaths(p: Paths, c: PipelineContext): void {
  const { allow, deny, model, plan, intent } = p;
  const { pipeline, body, pipelineRole, actions } = c;
  for (const invoke of actions.filter((a) => a.category === 'Invoke' && a.provider === 'Lambda')) {
    const name = invoke.configuration?.FunctionName;
    const fn = plan.ofType('aws_lambda_function').find((f) => f.body.function_name === name && f.account === pipeline.account);
    const functionArn = `arn:aws:lambda:${invoke.region ?? pipeline.region}:${pipeline.account}:function:${name}`;
    allow(`pipeline runs the ${invoke.name} function`, pipelineRole, 'lambda:InvokeFunction', { arn: functionArn, account: pipeline.account, label: `function ${name}` });
    if (!fn) continue;
    const smoke = model.principal(fn.body.role);
    const pipelineArn = pipelineArnOf(pipeline.account, pipeline.region, body.name);
    allow(`${name} reads the pipeline stages`, smoke, 'codepipeline:GetPipeline', { arn: pipelineArn, account: pipeline.account, label: `pipeline ${body.name}` });
    allow(`${name} reports job results`, smoke, 'codepipeline:PutJobSuccessResult', { arn: '*', account: pipeline.account, label: 'CodePipeline jobs' });
    const invokesFunctions = intent?.smoke?.invokesFunctions === true;
    const checkRoleName = intent?.smoke?.checkRoleName;
    for (const deploy of actions.filter((a) => a.category === 'Deploy' && a.role_arn)) {
      // The read-only check role of the deployment's account; a plan without one fails these paths.
      const checkRole = `arn:aws:iam::${String(deploy.role_arn).split(':')[4]}:role/${checkRoleName ?? '(no smoke check role in the pipeline intent)'}`;
      allow(`${name} checks ${deploy.name} through the account's check role`, smoke, 'sts:AssumeRole', model.roleTarget(checkRole));
      const check = model.principal(checkRole);
      for (const change of deploy.provider === 'ECS' ? ['ecs:UpdateService'] : ['cloudformation:ExecuteChangeSet', 'lambda:UpdateFunctionCode']) {
        const [svc] = change.split(':');
        const arn =
          svc === 'ecs'
            ? `arn:aws:ecs:${deploy.region ?? pipeline.region}:${check.account}:service/${deploy.configuration?.ClusterName}/${deploy.configuration?.ServiceName}`
            : svc === 'lambda'
              ? `arn:aws:lambda:${deploy.region ?? pipeline.region}:${check.account}:function:${deploy.configuration?.StackName}`
              : `arn:aws:cloudformation:${deploy.region ?? pipeline.region}:${check.account}:stack/${deploy.configuration?.StackName}/smoke`;
        deny(`the smoke test's check role cannot change ${deploy.name}`, check, change, { arn, account: check.account, label: arn });
      }
      const region = deploy.region ?? pipeline.region;
      const stack = deploy.configuration?.StackName;
      if (deploy.provider === 'ECS') {
        const target = { arn: `arn:aws:ecs:${region}:${check.account}:service/${deploy.configuration.ClusterName}/${deploy.configuration.ServiceName}`, account: check.account, label: 'service' };
        allow(`smoke test reads the service of ${deploy.name}`, check, 'ecs:DescribeServices', target);
      } else if (deploy.configuration?.ActionMode === 'CHANGE_SET_EXECUTE') {
        allow(`smoke test reads the stack of ${deploy.name}`, check, 'cloudformation:DescribeStacks', {
          arn: `arn:aws:cloudformation:${region}:${check.account}:stack/${stack}/smoke`,
          account: check.account,
          label: `stack ${stack}`,
        });
        if (invokesFunctions) {
          allow(`smoke test invokes the function of ${deploy.name}`, check, 'lambda:InvokeFunction', {
            arn: `arn:aws:lambda:${region}:${check.account}:function:${stack}`,
            account: check.account,
            label: `function ${stack}`,
          });
        }
      }
    }
  }

}
