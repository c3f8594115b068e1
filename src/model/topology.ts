import type { EnvironmentConfig } from '../config/schema';
import { Names, names as namesFor } from './naming';

/** CodePipeline quotas: AWS CodePipeline User Guide, "Quotas in AWS CodePipeline" (https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html). */
export const PIPELINE_QUOTAS = {
  /** "Number of actions in a stage: Minimum of 1, maximum of 50". */
  actionsPerStage: 50,
  /** "Number of stages in a pipeline: Minimum of 2, maximum of 50". */
  stagesPerPipeline: 50,
  /** "Maximum number of actions per pipeline: 500". */
  actionsPerPipeline: 500,
  /** "Maximum number of total pipelines per Region in an AWS account: 1000". */
  pipelinesPerRegion: 1000,
  /** "Maximum length of the action configuration value: 1000 characters" (API ActionConfiguration: "Maximum length of 1000"). */
  configurationValueLength: 1000,
  /** "a maximum size limit of 1 kilobyte for the JSON object that can be stored in the ParameterOverrides property" (read as 1,000 bytes, the stricter). */
  parameterOverridesBytes: 1000,
} as const;


/** One CloudFormation deployment of the workload: a stage's stack in one account and region. */
export interface Deployment {
  readonly stage: string;
  readonly account: string;
  readonly region: string;
  readonly stackName: string;
}

/** A pipeline stage holding some or all of one configured stage's deployments. */
export interface Wave {
  /** Pipeline stage name: the configured stage name, or `<stage>.<n>` when the stage is split. */
  readonly name: string;
  readonly stage: string;
  /** True for the wave that carries the stage's manual approval (the first wave of an approval stage). */
  readonly approval: boolean;
  readonly deployments: readonly Deployment[];
}

/** A target account with everything deployed into it. */
export interface TargetAccount {
  readonly account: string;
  /** Regions it is deployed to, sorted. */
  readonly regions: readonly string[];
  readonly deployments: readonly Deployment[];
}

/** Everything an environment creates, derived from its config: the single source for stacks and checks. */
export interface Topology {
  readonly environment: string;
  readonly names: Names;
  readonly tooling: { readonly account: string; readonly region: string };
  /** Regions that need an artifact store: the pipeline region first, then every deploy region. */
  readonly pipelineRegions: readonly string[];
  /** Regions with at least one deployment (each gets an image repository), sorted. */
  readonly deployRegions: readonly string[];
  readonly targets: readonly TargetAccount[];
  readonly waves: readonly Wave[];
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

/**
 * Splits a stage into waves of at most 50 actions: `actionsPerDeployment` per deployment (a change-set
 * replace and an execute, or one ECS deploy), plus the approval and `fixedActions` per wave (the smoke test).
 */
export function splitIntoWaves(stage: string, approval: boolean, deployments: readonly Deployment[], actionsPerDeployment = 2, fixedActions = 0): Wave[] {
  const chunks: Deployment[][] = [];
  let rest = [...deployments];
  while (rest.length > 0) {
    const approvalSlot = approval && chunks.length === 0 ? 1 : 0;
    const capacity = Math.floor((PIPELINE_QUOTAS.actionsPerStage - approvalSlot - fixedActions) / actionsPerDeployment);
    chunks.push(rest.slice(0, capacity));
    rest = rest.slice(capacity);
  }
  return chunks.map((chunk, i) => ({
    name: chunks.length === 1 ? stage : `${stage}.${i + 1}`,
    stage,
    approval: approval && i === 0,
    deployments: chunk,
  }));
}

/**
 * The environment's topology. `actionsPerDeployment` is the workload kind's (src/workloads/registry.ts gives it:
 * environmentTopology), which decides how many deployments a wave holds.
 */
export function buildTopology(config: EnvironmentConfig, actionsPerDeployment: number): Topology {
  const names = namesFor(config.workload.name, config.name);
  const deployments: Deployment[] = config.stages.flatMap((stage) =>
    stage.targets.flatMap((target) =>
      target.regions.map((region) => ({ stage: stage.name, account: target.account, region, stackName: names.stack(stage.name) })),
    ),
  );
  const deployRegions = sorted(deployments.map((d) => d.region));
  const targets = sorted(deployments.map((d) => d.account)).map((account) => {
    const own = deployments.filter((d) => d.account === account);
    return { account, regions: sorted(own.map((d) => d.region)), deployments: own };
  });
  const waves = config.stages.flatMap((stage) =>
    splitIntoWaves(
      stage.name,
      stage.approval,
      deployments.filter((d) => d.stage === stage.name),
      actionsPerDeployment,
      config.smokeTests ? 1 : 0,
    ),
  );
  return {
    environment: config.name,
    names,
    tooling: { account: config.tooling.account, region: config.tooling.region },
    pipelineRegions: [config.tooling.region, ...deployRegions.filter((r) => r !== config.tooling.region)],
    deployRegions,
    targets,
    waves,
  };
}
