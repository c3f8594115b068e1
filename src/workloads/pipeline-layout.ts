import type { WorkloadConfig } from '../config/schema';
import { CODEPIPELINE_NAME_PATTERN, NAME_LIMITS, continuationName } from '../model/naming';
import { PIPELINE_QUOTAS, Wave } from '../model/topology';
import { ARTIFACTS, ActionDeclaration, DeploymentRoleArns } from './pipeline-actions';
import { workloadKind } from './registry';

export interface StageDeclaration {
  readonly name: string;
  readonly actions: ActionDeclaration[];
}

/** One pipeline of an environment: its name and stages. */
export interface PipelineDeclaration {
  readonly name: string;
  readonly stages: StageDeclaration[];
}

/**
 * The last stage of a pipeline that hands its build to the next pipeline of the chain: written once its waves are
 * done, so the next pipeline only ever deploys a build that passed them, approval included (docs/scale.md).
 */
export const CONTINUE_STAGE = 'Continue';
/** Where the next pipeline of a chain reads its build: one key a pipeline, written by the one before it. */
export const releaseKey = (pipeline: string) => `releases/${pipeline}.zip`;
/** The objects of every release key: only the pipeline role writes them (the artifact bucket's policy). */
export const RELEASES = 'releases/*';

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
  /** Function that checks each wave once it is deployed (it reads the pipeline of that wave). Default: none. */
  readonly smokeTest?: { readonly functionName: string };
  /** Name of the n-th pipeline (from 1): the environment's pipeline, then its continuations when one is not enough. */
  readonly pipelineName: (n: number) => string;
  /** The pipeline region's artifact store (bucket name and key ARN), where a chain's pipelines hand their build over. */
  readonly releaseStore: { readonly bucket: string; readonly keyArn: string };
}

/** Where a reviewer finds the first change set of a wave (signed in to its account). */
const changeSetLink = (wave: Wave) => {
  const d = wave.deployments[0]!;
  return `https://${d.region}.console.aws.amazon.com/cloudformation/home?region=${d.region}#/stacks?filteringText=${d.stackName}`;
};

type RoleArns = Pick<PipelineLayoutProps, 'actionRoleArn' | 'executionRoleArn' | 'workloadBoundaryArn' | 'notificationTopicArn'> & {
  /** The smoke test and the pipeline its wave is in. */
  readonly smokeTest?: { readonly functionName: string; readonly pipelineName: string };
};

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

/** Source and Build: the environment's first pipeline starts with them. */
function headStages(props: PipelineLayoutProps): StageDeclaration[] {
  return [
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
  ];
}

/**
 * A continuation's source: the build its predecessor released (an S3 source action, AWS CodePipeline User Guide,
 * "Amazon S3 source action reference"), as the same output artifact the first pipeline's build makes, so the waves'
 * actions read it unchanged. No polling and no event rule: only the predecessor's invoke action starts it.
 */
function releaseSource(props: PipelineLayoutProps, pipeline: string): StageDeclaration {
  return {
    name: 'Source',
    actions: [
      {
        name: 'Release',
        category: 'Source',
        owner: 'AWS',
        provider: 'S3',
        version: '1',
        runOrder: 1,
        outputArtifacts: [ARTIFACTS.build],
        configuration: { S3Bucket: props.releaseStore.bucket, S3ObjectKey: releaseKey(pipeline), PollForSourceChanges: 'false' },
      },
    ],
  };
}

/**
 * Hands the build to the next pipeline: an S3 deploy action writes it, unextracted and encrypted with the store's
 * key, to the next pipeline's release key ("Amazon S3 deploy action reference"); then a CodePipeline invoke action
 * starts that pipeline ("AWS CodePipeline invoke action reference": V2 pipelines only).
 */
function continueStage(props: PipelineLayoutProps, next: string): StageDeclaration {
  return {
    name: CONTINUE_STAGE,
    actions: [
      {
        name: 'release',
        category: 'Deploy',
        owner: 'AWS',
        provider: 'S3',
        version: '1',
        runOrder: 1,
        inputArtifacts: [ARTIFACTS.build],
        configuration: { BucketName: props.releaseStore.bucket, Extract: 'false', ObjectKey: releaseKey(next), KMSEncryptionKeyARN: props.releaseStore.keyArn },
      },
      { name: `start-${next}`.slice(0, NAME_LIMITS.codePipelineStageOrAction), category: 'Invoke', owner: 'AWS', provider: 'CodePipeline', version: '1', runOrder: 2, configuration: { PipelineName: next } },
    ],
  };
}

const fits = (stages: number, actions: number) => stages <= PIPELINE_QUOTAS.stagesPerPipeline && actions <= PIPELINE_QUOTAS.actionsPerPipeline;
/** Source (1 action) and Build (2): the first pipeline's head; a continuation's is its release source (1). */
const HEAD = { stages: 2, actions: 3 };
const CONTINUATION_HEAD = { stages: 1, actions: 1 };
/** The Continue stage: release and start. */
const CONTINUE = { stages: 1, actions: 2 };

/** How many actions a wave's stage holds: the same whatever the accounts' role ARNs. */
function waveSize(wave: Wave, workload: WorkloadConfig, smokeTests: boolean): number {
  const name = (account: string) => account;
  return waveActions(wave, workload, { actionRoleArn: name, executionRoleArn: name, workloadBoundaryArn: name, ...(smokeTests ? { smokeTest: { functionName: 'f', pipelineName: 'p' } } : {}) }).length;
}

/**
 * The waves of each pipeline of an environment: all in one while Source, Build and a stage per wave fit CodePipeline's
 * quotas (50 stages, 500 actions a pipeline); else a chain, filled in wave order, each pipeline keeping room for its
 * Continue stage, so the waves keep their order across the chain and the approval before prod still comes first.
 */
export function pipelineChain(waves: readonly Wave[], workload: WorkloadConfig, smokeTests: boolean): Wave[][] {
  const sizes = waves.map((w) => waveSize(w, workload, smokeTests));
  if (fits(HEAD.stages + waves.length, HEAD.actions + sizes.reduce((a, b) => a + b, 0))) return [[...waves]];
  const groups: Wave[][] = [[]];
  let stages = HEAD.stages + CONTINUE.stages;
  let actions = HEAD.actions + CONTINUE.actions;
  waves.forEach((wave, i) => {
    if (groups.at(-1)!.length && !fits(stages + 1, actions + sizes[i]!)) {
      groups.push([]);
      stages = CONTINUATION_HEAD.stages + CONTINUE.stages;
      actions = CONTINUATION_HEAD.actions + CONTINUE.actions;
    }
    groups.at(-1)!.push(wave);
    stages += 1;
    actions += sizes[i]!;
  });
  if (groups.length > PIPELINE_QUOTAS.pipelinesPerRegion) throw new Error(`the environment needs ${groups.length} pipelines; CodePipeline allows ${PIPELINE_QUOTAS.pipelinesPerRegion} a region: split it into environment files`);
  return groups;
}

/** The names of an environment's pipelines (pipelineChain), the first being `pipeline`: known before they exist. */
export const chainNames = (pipeline: string, waves: readonly Wave[], workload: WorkloadConfig, smokeTests: boolean): string[] =>
  pipelineChain(waves, workload, smokeTests).map((_, i) => continuationName(pipeline, i + 1));

/**
 * The environment's pipelines (pipelineChain): the first with Source and Build, each next one starting from the build
 * the one before released after its waves, each but the last ending in a Continue stage.
 */
export function pipelineLayouts(props: PipelineLayoutProps): PipelineDeclaration[] {
  const groups = pipelineChain(props.waves, props.workload, Boolean(props.smokeTest));
  const waveStage = (wave: Wave, pipelineName: string): StageDeclaration => ({
    name: wave.name,
    actions: waveActions(wave, props.workload, { ...props, smokeTest: props.smokeTest ? { functionName: props.smokeTest.functionName, pipelineName } : undefined }),
  });
  return groups.map((waves, i) => {
    const name = props.pipelineName(i + 1);
    const next = i + 1 < groups.length ? props.pipelineName(i + 2) : undefined;
    const declared = [...(i === 0 ? headStages(props) : [releaseSource(props, name)]), ...waves.map((w) => waveStage(w, name)), ...(next ? [continueStage(props, next)] : [])];
    assertWithinQuotas(declared);
    return { name, stages: declared };
  });
}

function assertWithinQuotas(stages: readonly StageDeclaration[]): void {
  const badName = (name: string) => name.length > NAME_LIMITS.codePipelineStageOrAction || !CODEPIPELINE_NAME_PATTERN.test(name);
  const split = 'a wave is bigger than one pipeline holds';
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
