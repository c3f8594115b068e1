import type { WorkloadConfig } from '../config/schema';
import { CODEPIPELINE_NAME_PATTERN, NAME_LIMITS } from './naming';
import { PIPELINE_QUOTAS, Wave } from './topology';
import { ARTIFACTS, ActionDeclaration, DeploymentRoleArns } from '../workloads/pipeline-actions';
import { workloadKind } from '../workloads/registry';

export interface StageDeclaration {
  readonly name: string;
  readonly actions: ActionDeclaration[];
}

export interface PipelineLayoutProps extends DeploymentRoleArns {
  readonly connectionArn: string;
  /** `owner/repository` on GitHub. */
  readonly fullRepositoryId: string;
  readonly branch: string;
  readonly buildProjectName: string;
  /** The project that refuses a source commit not on the branch; it runs before the build. */
  readonly sourceCheckProjectName: string;
  readonly waves: readonly Wave[];
  /** The workload: what each deployment does. */
  readonly workload: WorkloadConfig;
  /** Topic the approval requests are published to. Default: none. */
  readonly notificationTopicArn?: string;
  /** Function that checks each wave once it is deployed, and the pipeline it reads. Default: none. */
  readonly smokeTest?: { readonly functionName: string; readonly pipelineName: string };
}

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

/**
 * The actions of one wave: the kind's actions before the approval (change sets prepared), the approval if the
 * stage asks for one, the kind's actions after it (change sets executed, services deployed), the smoke test.
 */
export function waveActions(wave: Wave, workload: WorkloadConfig, roles: RoleArns): ActionDeclaration[] {
  const kind = workloadKind(workload).waveActions(workload, wave.deployments, roles);
  let runOrder = 1;
  const before = kind.beforeApproval(runOrder);
  if (before.length) runOrder++;
  const approval: ActionDeclaration[] = wave.approval
    ? [
        {
          name: `approve-${wave.stage}`,
          category: 'Approval',
          owner: 'AWS',
          provider: 'Manual',
          version: '1',
          runOrder: runOrder++,
          configuration: {
            CustomData: kind.approvalRequest(wave.stage),
            ...(roles.notificationTopicArn ? { NotificationArn: roles.notificationTopicArn, ExternalEntityLink: changeSetLink(wave) } : {}),
          },
        },
      ]
    : [];
  return withSmokeTest([...before, ...approval, ...kind.afterApproval(runOrder)], wave, roles);
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
            // A clone reference: CodeBuild clones the commit with its history, which the source check needs.
            OutputArtifactFormat: 'CODEBUILD_CLONE_REF',
            DetectChanges: 'true',
          },
        },
      ],
    },
    {
      name: 'Build',
      actions: [
        {
          name: 'Source-check',
          category: 'Build',
          owner: 'AWS',
          provider: 'CodeBuild',
          version: '1',
          runOrder: 1,
          inputArtifacts: [ARTIFACTS.source],
          configuration: { ProjectName: props.sourceCheckProjectName },
        },
        {
          name: 'Image',
          category: 'Build',
          owner: 'AWS',
          provider: 'CodeBuild',
          version: '1',
          runOrder: 2,
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
  const split = 'split the environment into environment files with fewer deployments';
  if (stages.length > PIPELINE_QUOTAS.stagesPerPipeline) {
    throw new Error(`the pipeline has ${stages.length} stages; CodePipeline allows ${PIPELINE_QUOTAS.stagesPerPipeline} (stages become waves of at most ${PIPELINE_QUOTAS.actionsPerStage} actions): ${split}`);
  }
  const actions = stages.reduce((n, s) => n + s.actions.length, 0);
  if (actions > PIPELINE_QUOTAS.actionsPerPipeline) {
    throw new Error(
      `the pipeline has ${actions} actions; CodePipeline allows ${PIPELINE_QUOTAS.actionsPerPipeline} per pipeline (change-set kinds take 2 actions a deployment, ecs-service 1): ${split}`,
    );
  }
  for (const stage of stages) {
    if (badName(stage.name)) throw new Error(`stage name "${stage.name}" is not a valid CodePipeline name`);
    if (stage.actions.length > PIPELINE_QUOTAS.actionsPerStage) {
      throw new Error(`stage ${stage.name} has ${stage.actions.length} actions; CodePipeline allows ${PIPELINE_QUOTAS.actionsPerStage}`);
    }
    for (const action of stage.actions) {
      if (badName(action.name)) throw new Error(`action name "${action.name}" in stage ${stage.name} is not a valid CodePipeline name`);
      for (const [key, value] of Object.entries(action.configuration ?? {})) {
        if (String(value).length > PIPELINE_QUOTAS.configurationValueLength) {
          throw new Error(`action ${action.name} in stage ${stage.name}: configuration ${key} is ${String(value).length} characters; CodePipeline allows ${PIPELINE_QUOTAS.configurationValueLength}`);
        }
      }
    }
  }
}
