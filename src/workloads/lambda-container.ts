import type { WorkloadConfig } from '../config/schema';
import { lambdaFunctionArn, policyArn, roleArn, stackArn } from '../model/naming';
import { policy } from '../policy/document';
import { actionRolePolicy, executionRolePolicy } from '../policy/roles';
import { ARTIFACTS, BUILD_OUTPUT, changeSetActions, parameterOverrides } from './pipeline-actions';
import type { WorkloadKind } from './workload-kind';

type LambdaContainer = Extract<WorkloadConfig, { kind: 'lambda-container' }>;

const uniqueSorted = (values: readonly string[]) => [...new Set(values)].sort();

/**
 * A container Lambda (lambda-src/): the build pushes one image to every deploy region; each deployment is a
 * change set of lambda-src/template.yaml, whose execution role creates the function, its bounded role and logs.
 */
export const lambdaContainer: WorkloadKind<LambdaContainer> = {
  kind: 'lambda-container',
  actionsPerDeployment: 2,
  usesImages: true,
  usesChangeSets: true,
  deploysFunctions: true,
  containerName: () => undefined,
  waveActions: (_workload, deployments, roles) =>
    changeSetActions(deployments, roles, (d) => ({
      TemplatePath: `${ARTIFACTS.build}::${BUILD_OUTPUT.template}`,
      Capabilities: 'CAPABILITY_NAMED_IAM',
      ParameterOverrides: parameterOverrides(d, roles.workloadBoundaryArn(d.account)),
    })),
  policies: (_workload, t) => ({
    action: actionRolePolicy({ account: t.account, stacks: t.deployments, executionRoleArn: roleArn(t.account, t.names.executionRole), stores: t.stores }),
    execution: executionRolePolicy({
      account: t.account,
      stacks: t.deployments.map((d) => ({ ...d, functionRoleName: t.names.functionRole(d.stage, d.region) })),
      boundaryArn: policyArn(t.account, t.names.workloadBoundary),
      repositoryArns: t.repositoryArns,
      stores: t.stores,
    }),
  }),
  smokeCheckPolicy: (_workload, t) =>
    policy(
      { Sid: 'ReadWorkloadStacks', Effect: 'Allow', Action: 'cloudformation:DescribeStacks', Resource: uniqueSorted(t.deployments.map((d) => stackArn(t.account, d.region, d.stackName))) },
      { Sid: 'InvokeWorkloadFunctions', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: uniqueSorted(t.deployments.map((d) => lambdaFunctionArn(t.account, d.region, d.stackName))) },
    ),
  // Change sets read the build output with the action role and the template with the execution role.
  storeReaders: (_workload, account, n) => [roleArn(account, n.actionRole), roleArn(account, n.executionRole)],
  // Lambda checks that the caller of CreateFunction/UpdateFunctionCode may pull the image.
  imagePuller: (_workload, account, n) => roleArn(account, n.executionRole),
  taskRoles: () => undefined,
  checks: () => [],
  fileChecks: () => [],
};
