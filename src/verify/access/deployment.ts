/**
 * Every deploy action: its action role, the execution role of change sets, ECS roll-outs, image pulls.
 */
import { boundaryNames } from '../../model/naming';
import { environmentBoundaries } from '../../policy/boundaries';
import { Body, asList } from '../../plan/plan';
import { Paths, PipelineContext } from './collector';
import { Principal, PULL_ANY, service, sourceOrganization } from './principals';

/** A CloudFormation parameter a change-set action passes in ParameterOverrides. */
export function parameterOf(action: Body, name: string): string | undefined {
  const overrides = action.configuration?.ParameterOverrides;
  if (typeof overrides !== 'string') return undefined;
  const value = (JSON.parse(overrides) as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** Every deploy action: its action role, the execution role of change sets, ECS roll-outs, image pulls. */
export function deploymentPaths(p: Paths, c: PipelineContext): void {
  const { allow, deny, readWrite, model, intent } = p;
  const { pipeline, pipelineRole, stores, deploys } = c;
  for (const action of deploys) {
    const region = action.region ?? pipeline.region;
    const store = stores.get(region);
    const actionRole = model.principal(action.role_arn);
    allow(`pipeline assumes the action role for ${action.name}`, pipelineRole, 'sts:AssumeRole', model.roleTarget(action.role_arn));
    if (action.provider === 'ECS') {
      if (store) readWrite(`action role of ${action.name}`, actionRole, store.bucket, store.key, false);
      ecsChecks(action, region, actionRole);
      continue;
    }
    // Write access only for an action that produces an artifact (none of ours does).
    if (store) readWrite(`action role of ${action.name}`, actionRole, store.bucket, store.key, asList(action.output_artifacts).length > 0);
    const executionRole = action.configuration?.RoleArn;
    if (!executionRole) continue;
    allow(`action role passes the execution role (${action.name})`, actionRole, 'iam:PassRole', model.roleTarget(executionRole), {
      context: { 'iam:PassedToService': 'cloudformation.amazonaws.com' },
    });
    allow(`CloudFormation assumes the execution role (${action.name})`, service('cloudformation.amazonaws.com', actionRole.account), 'sts:AssumeRole', model.roleTarget(executionRole));
    const exec = model.principal(executionRole);
    if (store) readWrite(`execution role of ${action.name}`, exec, store.bucket, store.key, false);
    for (const repo of [...model.repositories.values()].filter((r) => r.region === region)) {
      allow(`execution role pulls the image (${action.name})`, exec, 'ecr:BatchGetImage', repo);
      allow(`execution role reads image layers (${action.name})`, exec, 'ecr:GetDownloadUrlForLayer', repo);
      const functionArn = `arn:aws:lambda:${region}:${exec.account}:function:${action.configuration.StackName}`;
      // What CloudFormation's handlers call on delete and on the rollback of a failed create (docs/security.md).
      const functionRole = { arn: `arn:aws:iam::${exec.account}:role/${action.configuration.StackName}-${region}`, account: exec.account, label: 'the function role' };
      // The function role is created only with the boundary the pipeline passes to the template; any other
      // (or none) is denied, and the boundary policy itself cannot be changed (docs/security.md).
      const boundary = parameterOf(action, 'PermissionsBoundary') ?? '(no PermissionsBoundary parameter)';
      allow(`execution role creates the function role with its boundary (${action.name})`, exec, 'iam:CreateRole', functionRole, { context: { 'iam:PermissionsBoundary': boundary } });
      for (const change of ['iam:CreateRole', 'iam:PutRolePolicy']) {
        deny(`execution role cannot ${change} without the boundary (${action.name})`, exec, change, functionRole, { context: { 'iam:PermissionsBoundary': 'arn:aws:iam::aws:policy/AdministratorAccess' } });
      }
      // The stack's own role boundary is a ceiling too, but a far higher one (every service but IAM, STS and S3):
      // the execution role's own ceiling allows it, so only the execution role's policy keeps function roles lower.
      if (intent) {
        const stackBoundary = environmentBoundaries(exec.account, boundaryNames(intent.prefix)).roles;
        deny(`execution role cannot create the function role under the stack's role boundary (${action.name})`, exec, 'iam:CreateRole', functionRole, { context: { 'iam:PermissionsBoundary': stackBoundary } });
      }
      deny(`execution role cannot create other roles (${action.name})`, exec, 'iam:CreateRole', { arn: `arn:aws:iam::${exec.account}:role/Administrator`, account: exec.account, label: 'another role' }, { context: { 'iam:PermissionsBoundary': boundary } });
      // A role named like the stack's roles that exists before the stack (anyone's in that account) is not ours to change.
      const lookAlike = { arn: `arn:aws:iam::${exec.account}:role/${action.configuration.StackName}-zz-pre-existing`, account: exec.account, label: 'a pre-existing role named like the function role' };
      for (const change of ['iam:UpdateAssumeRolePolicy', 'iam:DeleteRole', 'iam:UpdateRole', 'iam:TagRole']) deny(`execution role cannot change a role its stack does not own (${action.name})`, exec, change, lookAlike);
      deny(`execution role cannot pass a role its stack does not own (${action.name})`, exec, 'iam:PassRole', lookAlike, { context: { 'iam:PassedToService': 'lambda.amazonaws.com' } });
      deny(`execution role cannot remove the boundary (${action.name})`, exec, 'iam:DeleteRolePermissionsBoundary', functionRole);
      for (const change of ['iam:CreatePolicyVersion', 'iam:DeletePolicy']) {
        deny(`execution role cannot change the boundary policy (${action.name})`, exec, change, { arn: boundary, account: exec.account, label: 'the workload boundary' });
      }
      for (const list of ['iam:ListAttachedRolePolicies', 'iam:ListRolePolicies']) allow(`execution role can roll back and delete the function role (${action.name})`, exec, list, functionRole);
      allow(`execution role reads the function's recursion setting (${action.name})`, exec, 'lambda:GetFunctionRecursionConfig', { arn: functionArn, account: exec.account, label: `function ${action.configuration.StackName}` });
      allow(`Lambda pulls the image for ${functionArn}`, service('lambda.amazonaws.com', exec.account), 'ecr:BatchGetImage', repo, {
        context: { 'aws:SourceArn': functionArn, 'aws:SourceAccount': exec.account, ...sourceOrganization(model.organization) },
      });
    }
  }

  function ecsChecks(action: Body, region: string, actionRole: Principal) {
    const { ClusterName: cluster, ServiceName: service } = action.configuration ?? {};
    const account = actionRole.account;
    const serviceTarget = { arn: `arn:aws:ecs:${region}:${account}:service/${cluster}/${service}`, account, label: `service ${service} (${account}, ${region})` };
    allow(`action role updates the service (${action.name})`, actionRole, 'ecs:UpdateService', serviceTarget);
    allow(`action role registers the task definition (${action.name})`, actionRole, 'ecs:RegisterTaskDefinition', { arn: '*', account, label: 'task definitions' });
    const inAccount = (arns: string[] | undefined) => (arns ?? []).filter((arn) => arn.split(':')[4] === account);
    for (const role of [...inAccount(intent?.taskRoles?.execution), ...inAccount(intent?.taskRoles?.task)]) {
      allow(`action role passes a task role to ECS (${action.name})`, actionRole, 'iam:PassRole', model.roleTarget(role), {
        context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
      });
    }
    // The task execution role is the user's: its own policy is not in the plan, so the repository side is checked.
    for (const role of inAccount(intent?.taskRoles?.execution)) {
      const puller: Principal = { ...model.principal(role), label: `task execution role ${role} (own pull permission assumed)`, identity: [{ name: 'assumed ECR pull permission', policy: PULL_ANY }] };
      for (const repo of [...model.repositories.values()].filter((r) => r.region === region)) {
        allow(`ECS pulls the image for ${service} (${action.name})`, puller, 'ecr:BatchGetImage', repo);
      }
    }
  }

}
