/**
 * The pieces every workload kind builds its pipeline actions from: artifact names, the build output's files,
 * the action shape and the deploy action of one deployment.
 */
import { Deployment, PIPELINE_QUOTAS } from '../model/topology';

/** Artifact names passed between actions. */
export const ARTIFACTS = { source: 'SourceOutput', build: 'BuildOutput' } as const;
/** Files the build writes into its output artifact (see lambda-src/buildspec.yml). */
export const BUILD_OUTPUT = { template: 'template.yaml', images: 'images.json' } as const;
export const CHANGE_SET_NAME = 'pipeline-change-set';

/** A CodePipeline action, shaped like the `aws_codepipeline` stage.action block. */
export interface ActionDeclaration {
  readonly name: string;
  readonly category: 'Source' | 'Build' | 'Deploy' | 'Approval' | 'Invoke';
  readonly owner: 'AWS';
  readonly provider: string;
  readonly version: '1';
  readonly runOrder: number;
  readonly region?: string;
  readonly roleArn?: string;
  readonly inputArtifacts?: string[];
  readonly outputArtifacts?: string[];
  readonly configuration?: Record<string, string>;
}

/** The roles and ARNs of each target account that deploy actions name. */
export interface DeploymentRoleArns {
  /** ARN of the action role in a target account. */
  readonly actionRoleArn: (account: string) => string;
  /** ARN of the CloudFormation execution role in a target account. */
  readonly executionRoleArn: (account: string) => string;
  /** ARN of the permissions boundary the workload template puts on the roles it creates, in a target account. */
  readonly workloadBoundaryArn: (account: string) => string;
}

/** The deploy actions of one wave, around its approval: `beforeApproval` run first, `afterApproval` once approved. */
export interface WaveDeployActions {
  readonly beforeApproval: (runOrder: number) => ActionDeclaration[];
  readonly afterApproval: (runOrder: number) => ActionDeclaration[];
  /** What the approval of a stage asks the reviewer to look at and approve. */
  readonly approvalRequest: (stage: string) => string;
}

/** Action names of a deployment start with its account and region, unique within a wave. */
export const place = (d: Deployment) => `${d.account}-${d.region}`;

/** A deploy action of one deployment, run by the action role of its account in its region. */
export function deployAction(d: Deployment, roles: DeploymentRoleArns, runOrder: number, name: string, provider: string, configuration: Record<string, string>): ActionDeclaration {
  return { name, category: 'Deploy', owner: 'AWS', provider, version: '1', runOrder, region: d.region, roleArn: roles.actionRoleArn(d.account), configuration };
}

/**
 * CloudFormation parameters of one deployment. The image URI is read at run time from the build output
 * (`images.json`, one digest URI per region), so every stage deploys the digest built once; the permissions
 * boundary is the one the execution role may create roles with.
 */
export function parameterOverrides(deployment: Deployment, boundaryArn: string): string {
  const json = JSON.stringify({
    ImageUri: { 'Fn::GetParam': [ARTIFACTS.build, BUILD_OUTPUT.images, deployment.region] },
    Stage: deployment.stage,
    PermissionsBoundary: boundaryArn,
  });
  if (Buffer.byteLength(json) > PIPELINE_QUOTAS.parameterOverridesBytes) {
    throw new Error(
      `ParameterOverrides of ${deployment.stackName} in ${deployment.region} is ${Buffer.byteLength(json)} bytes; CodePipeline allows ${PIPELINE_QUOTAS.parameterOverridesBytes}`,
    );
  }
  return json;
}

/**
 * Change-set deployments (container Lambda and CloudFormation kinds): prepare every change set, the approval,
 * then execute them all. `configuration` gives what a kind passes besides the stack and change set.
 */
export function changeSetActions(deployments: readonly Deployment[], roles: DeploymentRoleArns, configuration: (d: Deployment) => Record<string, string>): WaveDeployActions {
  return {
    beforeApproval: (runOrder) =>
      deployments.map((d) => ({
        ...deployAction(d, roles, runOrder, `${place(d)}-prepare`, 'CloudFormation', {
          StackName: d.stackName,
          ChangeSetName: CHANGE_SET_NAME,
          ActionMode: 'CHANGE_SET_REPLACE',
          RoleArn: roles.executionRoleArn(d.account),
          ...configuration(d),
        }),
        inputArtifacts: [ARTIFACTS.build],
      })),
    afterApproval: (runOrder) =>
      deployments.map((d) => deployAction(d, roles, runOrder, `${place(d)}-execute`, 'CloudFormation', { StackName: d.stackName, ChangeSetName: CHANGE_SET_NAME, ActionMode: 'CHANGE_SET_EXECUTE' })),
    approvalRequest: (stage) => `Review the ${deployments.length} change set(s) named ${CHANGE_SET_NAME} of stage ${stage}, then approve to execute them.`,
  };
}
