/**
 * Who does what in a target account, by workload kind: the permissions of its deployment roles, its
 * share of the artifact stores, and the role that pulls the image there.
 */
import type { WorkloadConfig } from '../config/schema';
import { Names, lambdaFunctionArn, roleArn } from '../naming';
import type { StoreArns } from './artifacts';
import type { PolicyDocument, Statement } from './document';
import { actionRolePolicy, ecsActionRolePolicy, executionRolePolicy, templateExecutionRolePolicy } from './roles';

export interface TargetContext {
  readonly account: string;
  readonly regions: readonly string[];
  readonly deployments: ReadonlyArray<{ stage: string; region: string; stackName: string }>;
  readonly names: Names;
  /** Artifact stores of this account's regions. */
  readonly stores: readonly StoreArns[];
  /** Image repositories of this account's regions (none for `cloudformation` workloads). */
  readonly repositoryArns: readonly string[];
  /** The smoke test invokes the deployed functions through the action role. Default: false. */
  readonly smokeTests?: boolean;
}

export function deploymentPolicies(workload: WorkloadConfig, t: TargetContext): { action: PolicyDocument; execution?: PolicyDocument } {
  const { account, names: n } = t;
  if (workload.kind === 'ecs-service') {
    const taskRoles = [workload.taskExecutionRoleName, ...(workload.taskRoleName ? [workload.taskRoleName] : [])].map((r) => roleArn(account, r));
    return {
      action: ecsActionRolePolicy({ account, regions: t.regions, cluster: workload.cluster, service: workload.service, taskRoleArns: taskRoles, stores: t.stores }),
    };
  }
  const action = actionRolePolicy({ account, stacks: t.deployments, executionRoleArn: roleArn(account, n.executionRole), stores: t.stores });
  if (workload.kind === 'cloudformation') {
    return { action, execution: templateExecutionRolePolicy({ account, stacks: t.deployments, permissions: workload.permissions, stores: t.stores }) };
  }
  const stacks = t.deployments.map((d) => ({ ...d, functionRoleName: n.functionRole(d.stage, d.region) }));
  const invoke: Statement[] = t.smokeTests
    ? [{ Sid: 'SmokeTestInvokesFunctions', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: [...new Set(stacks.map((s) => lambdaFunctionArn(account, s.region, s.stackName)))].sort() }]
    : [];
  return {
    action: { ...action, Statement: [...action.Statement, ...invoke] },
    execution: executionRolePolicy({ account, stacks, repositoryArns: t.repositoryArns, stores: t.stores }),
  };
}

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
