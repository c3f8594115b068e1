/**
 * Who does what in a target account, by workload kind: the permissions of its deployment roles, its
 * share of the artifact stores, and the role that pulls the image there.
 */
import type { WorkloadConfig } from '../config/schema';
import { Names, lambdaFunctionArn, policyArn, roleArn, stackArn } from '../naming';
import type { StoreArns } from './artifacts';
import { PolicyDocument, Statement, policy } from './document';
import { actionRolePolicy, ecsActionRolePolicy, executionRolePolicy, templateExecutionRolePolicy, workloadBoundaryPolicy } from './roles';

export interface TargetContext {
  readonly account: string;
  readonly regions: readonly string[];
  readonly deployments: ReadonlyArray<{ stage: string; region: string; stackName: string }>;
  readonly names: Names;
  /** Artifact stores of this account's regions. */
  readonly stores: readonly StoreArns[];
  /** Image repositories of this account's regions (none for `cloudformation` workloads). */
  readonly repositoryArns: readonly string[];
  /** Smoke tests check each deployment through a read-only role of the account. Default: false. */
  readonly smokeTests?: boolean;
}

/** The permission documents of a target account's roles; `smokeCheck` only when smoke tests run. */
export interface DeploymentPolicies {
  readonly action: PolicyDocument;
  readonly execution?: PolicyDocument;
  /** The permissions boundary of roles the execution role creates (container Lambda workloads). */
  readonly boundary?: PolicyDocument;
  readonly smokeCheck?: PolicyDocument;
}

export function deploymentPolicies(workload: WorkloadConfig, t: TargetContext): DeploymentPolicies {
  const { account, names: n } = t;
  const smokeCheck = t.smokeTests ? smokeCheckPolicy(workload, t) : undefined;
  if (workload.kind === 'ecs-service') {
    const taskRoles = [workload.taskExecutionRoleName, ...(workload.taskRoleName ? [workload.taskRoleName] : [])].map((r) => roleArn(account, r));
    return {
      action: ecsActionRolePolicy({ account, regions: t.regions, cluster: workload.cluster, service: workload.service, taskRoleArns: taskRoles, stores: t.stores }),
      ...(smokeCheck ? { smokeCheck } : {}),
    };
  }
  const action = actionRolePolicy({ account, stacks: t.deployments, executionRoleArn: roleArn(account, n.executionRole), stores: t.stores });
  if (workload.kind === 'cloudformation') {
    return { action, execution: templateExecutionRolePolicy({ account, stacks: t.deployments, permissions: workload.permissions, stores: t.stores }), ...(smokeCheck ? { smokeCheck } : {}) };
  }
  const execution = executionRolePolicy({
    account,
    stacks: t.deployments.map((d) => ({ ...d, functionRoleName: n.functionRole(d.stage, d.region) })),
    boundaryArn: policyArn(account, n.workloadBoundary),
    repositoryArns: t.repositoryArns,
    stores: t.stores,
  });
  return { action, execution, boundary: workloadBoundaryPolicy({ account, stacks: t.deployments }), ...(smokeCheck ? { smokeCheck } : {}) };
}

/**
 * What the smoke test reads in a target account, and nothing it could change a deployment with: it runs
 * outside the approval gate, so it must never hold a deploy role (docs/security.md).
 */
export function smokeCheckPolicy(workload: WorkloadConfig, t: TargetContext): PolicyDocument {
  const { account } = t;
  if (workload.kind === 'ecs-service') {
    return policy({
      Sid: 'ReadServices',
      Effect: 'Allow',
      Action: 'ecs:DescribeServices',
      Resource: uniqueSorted(t.regions.map((r) => `arn:aws:ecs:${r}:${account}:service/${workload.cluster}/${workload.service}`)),
    });
  }
  const stacks: Statement = {
    Sid: 'ReadWorkloadStacks',
    Effect: 'Allow',
    Action: 'cloudformation:DescribeStacks',
    Resource: uniqueSorted(t.deployments.map((d) => stackArn(account, d.region, d.stackName))),
  };
  if (workload.kind !== 'lambda-container') return policy(stacks);
  return policy(stacks, {
    Sid: 'InvokeWorkloadFunctions',
    Effect: 'Allow',
    Action: 'lambda:InvokeFunction',
    Resource: uniqueSorted(t.deployments.map((d) => lambdaFunctionArn(account, d.region, d.stackName))),
  });
}

const uniqueSorted = (values: readonly string[]) => [...new Set(values)].sort();

/**
 * The roles of a target account that read the artifact store of a region it deploys to. None writes: a role
 * gets write access only for an action that produces an output artifact, and none of our deploy actions
 * does. A writer in dev could otherwise replace the BuildOutput that prod reads next (docs/security.md).
 */
export function storeReaders(workload: WorkloadConfig, account: string, n: Names): string[] {
  const action = roleArn(account, n.actionRole);
  // The ECS deploy action reads imagedefinitions with the action role; change sets also with the execution role.
  return workload.kind === 'ecs-service' ? [action] : [action, roleArn(account, n.executionRole)];
}

/** The role of a target account that pulls the image: the CloudFormation execution role (Lambda checks the caller) or the task execution role. */
export function imagePuller(workload: WorkloadConfig, account: string, n: Names): string | undefined {
  if (workload.kind === 'ecs-service') return roleArn(account, workload.taskExecutionRoleName);
  if (workload.kind === 'lambda-container') return roleArn(account, n.executionRole);
  return undefined;
}
