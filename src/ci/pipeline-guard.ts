/**
 * The guard on the pipeline and its builds, for the tooling account's administrators to attach as a service control
 * policy (AWS Organizations): an ordinary user of the tooling account could otherwise start the image build with a
 * `buildspecOverride` (any code, the build role's rights: push an image, write a build output a later stage
 * deploys), re-point the pipeline, or approve prod. Only the pipeline role starts the builds, only Terraform's apply
 * role changes them and the pipeline, and only the named operators start, retry or approve runs.
 */
import type { EnvironmentConfig } from '../config/schema';
import { codeBuildProjectArn, names, pipelineArn, roleArn } from '../model/naming';
import { chainNames } from '../workloads/pipeline-layout';
import { environmentTopology } from '../workloads/registry';
import { PolicyDocument, policy } from '../policy/document';

/** "Maximum size of a service control policy document: 5,120 characters" (AWS Organizations quotas). */
export const SCP_MAX_CHARACTERS = 5_120;

/** Starting a build runs code as the build role; CodeBuild starts and retries builds through these (CodeBuild API Reference). */
const BUILD_STARTS = ['codebuild:StartBuild', 'codebuild:StartBuildBatch', 'codebuild:RetryBuild', 'codebuild:RetryBuildBatch'];
/** Changing a project changes what the pipeline's next build runs. */
const BUILD_CHANGES = ['codebuild:UpdateProject', 'codebuild:DeleteProject'];
/** Changing the pipeline changes what runs and where it deploys. */
const PIPELINE_CHANGES = ['codepipeline:UpdatePipeline', 'codepipeline:DeletePipeline'];
/** What an operator does to a run: start one (a source revision override), retry, roll back, skip a condition, approve. */
const RUN_CONTROLS = [
  'codepipeline:StartPipelineExecution',
  'codepipeline:RetryStageExecution',
  'codepipeline:RollbackStage',
  'codepipeline:OverrideStageCondition',
  'codepipeline:PutApprovalResult',
  'codepipeline:StopPipelineExecution',
];

export interface PipelineGuard {
  /** The tooling account the policy guards (attach it to that account or its OU). */
  readonly account: string;
  readonly policy: PolicyDocument;
  /** Role ARNs that may start, retry and approve runs. */
  readonly operators: readonly string[];
}

/** The guard of one environment: its pipeline and the projects its actions run, in the tooling account. */
export function pipelineGuard(config: EnvironmentConfig, operators: readonly string[]): PipelineGuard {
  if (operators.length === 0) throw new Error('the pipeline guard needs at least one operator (--operator <role ARN>): without one, nobody could approve prod');
  const n = names(config.workload.name, config.name);
  const { account, region } = config.tooling;
  const pipeline = pipelineArn(account, region, n.pipeline);
  // Beyond one pipeline's quotas, the continuations: each started by the pipeline role from the one before.
  const continuations = chainNames(n.pipeline, environmentTopology(config).waves, config.workload, Boolean(config.smokeTests))
    .slice(1)
    .map((name) => pipelineArn(account, region, name));
  const projects = [n.sourceCheckProject, n.buildProject].map((p) => codeBuildProjectArn(account, region, p));
  const only = (principals: readonly string[]) => ({ ArnNotEquals: { 'aws:PrincipalArn': [...principals].sort() } });
  const applyRole = roleArn(account, config.terraformRoleName);
  return {
    account,
    operators: [...operators].sort(),
    policy: policy(
      { Sid: 'OnlyThePipelineStartsItsBuilds', Effect: 'Deny', Action: BUILD_STARTS, Resource: projects, Condition: only([roleArn(account, n.pipelineRole)]) },
      { Sid: 'OnlyTerraformChangesTheBuilds', Effect: 'Deny', Action: BUILD_CHANGES, Resource: projects, Condition: only([applyRole]) },
      { Sid: 'OnlyTerraformChangesThePipeline', Effect: 'Deny', Action: PIPELINE_CHANGES, Resource: continuations.length ? [pipeline, ...continuations] : pipeline, Condition: only([applyRole]) },
      // Approval and retry act on `<pipeline>/<stage>/<action>` and `<pipeline>/<stage>`.
      { Sid: 'OnlyOperatorsControlRuns', Effect: 'Deny', Action: RUN_CONTROLS, Resource: [pipeline, `${pipeline}/*`, ...continuations.map((c) => `${c}/*`)], Condition: only(operators) },
      ...(continuations.length
        ? [{ Sid: 'OnlyThePipelineAndOperatorsStartContinuations', Effect: 'Deny' as const, Action: RUN_CONTROLS, Resource: continuations, Condition: only([...operators, roleArn(account, n.pipelineRole)]) }]
        : []),
    ),
  };
}
