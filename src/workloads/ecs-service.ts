import type { WorkloadConfig } from '../config/schema';
import { roleArn } from '../model/naming';
import { policy } from '../policy/document';
import { ecsActionRolePolicy } from '../policy/roles';
import { ARTIFACTS, deployAction, place } from './pipeline-actions';
import type { WorkloadKind } from './workload-kind';

type EcsService = Extract<WorkloadConfig, { kind: 'ecs-service' }>;

/** The file of the build output the ECS deploy action of `region` reads (one per region: repositories are regional). */
export const imageDefinitionsFile = (region: string) => `imagedefinitions-${region}.json`;

const taskRoles = (w: EcsService, account: string) => [w.taskExecutionRoleName, ...(w.taskRoleName ? [w.taskRoleName] : [])].map((r) => roleArn(account, r));

/**
 * An existing ECS service in every target account (ecs-src/): the build pushes the image and writes one image
 * definitions file per region; the ECS deploy action rolls the service to it, after the approval.
 */
export const ecsService: WorkloadKind<EcsService> = {
  kind: 'ecs-service',
  actionsPerDeployment: 1,
  usesImages: true,
  usesChangeSets: false,
  deploysFunctions: false,
  containerName: (workload) => workload.container,
  waveActions: (workload, deployments, roles) => ({
    beforeApproval: () => [],
    afterApproval: (runOrder) =>
      deployments.map((d) => ({
        ...deployAction(d, roles, runOrder, `${place(d)}-deploy`, 'ECS', { ClusterName: workload.cluster, ServiceName: workload.service, FileName: imageDefinitionsFile(d.region) }),
        inputArtifacts: [ARTIFACTS.build],
      })),
    approvalRequest: (stage) => `Approve to roll the new image out to the ${deployments.length} service(s) of stage ${stage}.`,
  }),
  policies: (workload, t) => ({
    action: ecsActionRolePolicy({ account: t.account, regions: t.regions, cluster: workload.cluster, service: workload.service, taskRoleArns: taskRoles(workload, t.account), stores: t.stores }),
  }),
  smokeCheckPolicy: (workload, t) =>
    policy({
      Sid: 'ReadServices',
      Effect: 'Allow',
      Action: 'ecs:DescribeServices',
      Resource: [...new Set(t.regions.map((r) => `arn:aws:ecs:${r}:${t.account}:service/${workload.cluster}/${workload.service}`))].sort(),
    }),
  // The ECS deploy action reads the image definitions with the action role.
  storeReaders: (_workload, account, n) => [roleArn(account, n.actionRole)],
  imagePuller: (workload, account) => roleArn(account, workload.taskExecutionRoleName),
  taskRoles: (workload, accounts) => ({
    execution: accounts.map((a) => roleArn(a, workload.taskExecutionRoleName)),
    task: workload.taskRoleName ? accounts.map((a) => roleArn(a, workload.taskRoleName!)) : [],
  }),
  checks: () => [],
  fileChecks: () => [],
};
