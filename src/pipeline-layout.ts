import type { WorkloadConfig } from './config/schema';
import { CODEPIPELINE_NAME_PATTERN, NAME_LIMITS } from './naming';
import { Deployment, PIPELINE_QUOTAS, Wave } from './topology';
import { imageDefinitionsFile } from './workload';

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

export interface StageDeclaration {
  readonly name: string;
  readonly actions: ActionDeclaration[];
}

export interface PipelineLayoutProps {
  readonly connectionArn: string;
  /** `owner/repository` on GitHub. */
  readonly fullRepositoryId: string;
  readonly branch: string;
  readonly buildProjectName: string;
  readonly waves: readonly Wave[];
  /** The workload: what each deployment does. */
  readonly workload: WorkloadConfig;
  /** ARN of the action role in a target account. */
  readonly actionRoleArn: (account: string) => string;
  /** ARN of the CloudFormation execution role in a target account. */
  readonly executionRoleArn: (account: string) => string;
  /** ARN of the permissions boundary the workload template puts on the roles it creates, in a target account. */
  readonly workloadBoundaryArn: (account: string) => string;
  /** Topic the approval requests are published to. Default: none. */
  readonly notificationTopicArn?: string;
  /** Function that checks each wave once it is deployed, and the pipeline it reads. Default: none. */
  readonly smokeTest?: { readonly functionName: string; readonly pipelineName: string };
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

const place = (d: Deployment) => `${d.account}-${d.region}`;

/** Where a reviewer finds the first change set of a wave (signed in to its account). */
const changeSetLink = (wave: Wave) => {
  const d = wave.deployments[0]!;
  return `https://${d.region}.console.aws.amazon.com/cloudformation/home?region=${d.region}#/stacks?filteringText=${d.stackName}`;
};

type RoleArns = Pick<PipelineLayoutProps, 'actionRoleArn' | 'executionRoleArn' | 'workloadBoundaryArn' | 'notificationTopicArn' | 'smokeTest'>;

/** The smoke test after the last actions of a wave. */
function withSmokeTest(actions: ActionDeclaration[], wave: Wave, roles: RoleArns): ActionDeclaration[] {
  if (!roles.smokeTest) return actions;
  const last = Math.max(...actions.map((a) => a.runOrder));
  return [
    ...actions,
    {
      name: 'smoke-test',
      category: 'Invoke',
      owner: 'AWS',
      provider: 'Lambda',
      version: '1',
      runOrder: last + 1,
      configuration: {
        FunctionName: roles.smokeTest.functionName,
        UserParameters: JSON.stringify({ pipeline: roles.smokeTest.pipelineName, stage: wave.name }),
      },
    },
  ];
}

/** What a change-set action of a workload kind passes to CloudFormation besides the stack name. */
function changeSetConfiguration(workload: WorkloadConfig, d: Deployment, roles: RoleArns): Record<string, string> {
  const common = { ActionMode: 'CHANGE_SET_REPLACE', RoleArn: roles.executionRoleArn(d.account) };
  if (workload.kind === 'cloudformation') {
    return {
      ...common,
      TemplatePath: `${ARTIFACTS.build}::${workload.template}`,
      ...(workload.parameters ? { TemplateConfiguration: `${ARTIFACTS.build}::${workload.parameters}` } : {}),
      Capabilities: 'CAPABILITY_IAM,CAPABILITY_NAMED_IAM,CAPABILITY_AUTO_EXPAND',
    };
  }
  return {
    ...common,
    TemplatePath: `${ARTIFACTS.build}::${BUILD_OUTPUT.template}`,
    Capabilities: 'CAPABILITY_NAMED_IAM',
    ParameterOverrides: parameterOverrides(d, roles.workloadBoundaryArn(d.account)),
  };
}

/**
 * The actions of one wave. Change sets: prepare every change set, wait for approval if asked, then
 * execute them all. ECS: the approval (if asked), then every deploy.
 */
export function waveActions(wave: Wave, workload: WorkloadConfig, roles: RoleArns): ActionDeclaration[] {
  const deploy = (d: Deployment, runOrder: number, name: string, provider: string, configuration: Record<string, string>): ActionDeclaration => ({
    name,
    category: 'Deploy',
    owner: 'AWS',
    provider,
    version: '1',
    runOrder,
    region: d.region,
    roleArn: roles.actionRoleArn(d.account),
    configuration,
  });
  const approval: ActionDeclaration[] = wave.approval
    ? [
        {
          name: `approve-${wave.stage}`,
          category: 'Approval',
          owner: 'AWS',
          provider: 'Manual',
          version: '1',
          runOrder: workload.kind === 'ecs-service' ? 1 : 2,
          configuration: {
            CustomData:
              workload.kind === 'ecs-service'
                ? `Approve to roll the new image out to the ${wave.deployments.length} service(s) of stage ${wave.stage}.`
                : `Review the ${wave.deployments.length} change set(s) named ${CHANGE_SET_NAME} of stage ${wave.stage}, then approve to execute them.`,
            ...(roles.notificationTopicArn ? { NotificationArn: roles.notificationTopicArn, ExternalEntityLink: changeSetLink(wave) } : {}),
          },
        },
      ]
    : [];
  if (workload.kind === 'ecs-service') {
    const after = wave.approval ? 2 : 1;
    return withSmokeTest([
      ...approval,
      ...wave.deployments.map((d) => ({
        ...deploy(d, after, `${place(d)}-deploy`, 'ECS', { ClusterName: workload.cluster, ServiceName: workload.service, FileName: imageDefinitionsFile(d.region) }),
        inputArtifacts: [ARTIFACTS.build],
      })),
    ], wave, roles);
  }
  const prepare = wave.deployments.map((d) => ({
    ...deploy(d, 1, `${place(d)}-prepare`, 'CloudFormation', {
      StackName: d.stackName,
      ChangeSetName: CHANGE_SET_NAME,
      ...changeSetConfiguration(workload, d, roles),
    }),
    inputArtifacts: [ARTIFACTS.build],
  }));
  const execute = wave.deployments.map((d) =>
    deploy(d, wave.approval ? 3 : 2, `${place(d)}-execute`, 'CloudFormation', { StackName: d.stackName, ChangeSetName: CHANGE_SET_NAME, ActionMode: 'CHANGE_SET_EXECUTE' }),
  );
  return withSmokeTest([...prepare, ...approval, ...execute], wave, roles);
}

/** Every stage of the pipeline: Source, Build, then one stage per wave in order. */
export function pipelineStages(props: PipelineLayoutProps): StageDeclaration[] {
  const stages: StageDeclaration[] = [
    {
      name: 'Source',
      actions: [
        {
          name: 'GitHub',
          category: 'Source',
          owner: 'AWS',
          provider: 'CodeStarSourceConnection',
          version: '1',
          runOrder: 1,
          outputArtifacts: [ARTIFACTS.source],
          configuration: {
            ConnectionArn: props.connectionArn,
            FullRepositoryId: props.fullRepositoryId,
            BranchName: props.branch,
            OutputArtifactFormat: 'CODE_ZIP',
            DetectChanges: 'true',
          },
        },
      ],
    },
    {
      name: 'Build',
      actions: [
        {
          name: 'Image',
          category: 'Build',
          owner: 'AWS',
          provider: 'CodeBuild',
          version: '1',
          runOrder: 1,
          inputArtifacts: [ARTIFACTS.source],
          outputArtifacts: [ARTIFACTS.build],
          configuration: { ProjectName: props.buildProjectName },
        },
      ],
    },
    ...props.waves.map((wave) => ({ name: wave.name, actions: waveActions(wave, props.workload, props) })),
  ];
  assertWithinQuotas(stages);
  return stages;
}

function assertWithinQuotas(stages: readonly StageDeclaration[]): void {
  const badName = (name: string) => name.length > NAME_LIMITS.codePipelineStageOrAction || !CODEPIPELINE_NAME_PATTERN.test(name);
  if (stages.length > PIPELINE_QUOTAS.stagesPerPipeline) {
    throw new Error(`the pipeline has ${stages.length} stages; CodePipeline allows ${PIPELINE_QUOTAS.stagesPerPipeline}`);
  }
  for (const stage of stages) {
    if (badName(stage.name)) throw new Error(`stage name "${stage.name}" is not a valid CodePipeline name`);
    if (stage.actions.length > PIPELINE_QUOTAS.actionsPerStage) {
      throw new Error(`stage ${stage.name} has ${stage.actions.length} actions; CodePipeline allows ${PIPELINE_QUOTAS.actionsPerStage}`);
    }
    for (const action of stage.actions) {
      if (badName(action.name)) throw new Error(`action name "${action.name}" in stage ${stage.name} is not a valid CodePipeline name`);
    }
  }
}
