import type { EnvironmentConfig } from '../config/schema';
import { NAME_LIMITS, Names, names as namesFor, reservedBucketName } from './naming';
import { echo } from '../config/source';
import { workloadKind } from '../workloads/registry';

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

/** A problem in an environment file: `path` is the field (e.g. `stages[1].targets[0].account`). */
export interface ConfigIssue {
  /** Field path, e.g. `stages[1].targets[0].account`; empty for the file as a whole. */
  readonly path: string;
  readonly message: string;
  /** Where in the environment file, when it was read from one (counted from 1). */
  readonly line?: number;
  readonly column?: number;
}

const longest = (values: string[]) => values.reduce((a, b) => (b.length > a.length ? b : a));
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

export function buildTopology(config: EnvironmentConfig): Topology {
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
      workloadKind(config.workload).actionsPerDeployment,
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

function duplicates(values: string[]): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return dup;
}

/** Checks what a schema cannot (see checkPartialEnvironment) on a valid environment. */
export function checkEnvironment(config: EnvironmentConfig): ConfigIssue[] {
  return checkPartialEnvironment(config);
}

/** A check of what a schema cannot see, and the top-level fields it needs valid to run. */
interface EnvironmentCheck {
  readonly needs: ReadonlyArray<keyof EnvironmentConfig>;
  readonly check: (config: EnvironmentConfig) => ConfigIssue[];
}

const FIELD_CHECKS: readonly EnvironmentCheck[] = [
  {
    needs: ['terraformRoleName', 'terraformPlanRoleName'],
    check: (config) =>
      config.terraformPlanRoleName === config.terraformRoleName
        ? [{ path: 'terraformPlanRoleName', message: `is the apply role "${echo(config.terraformRoleName)}": pull-request plans would run with the rights to change every account; name a separate read-only role` }]
        : [],
  },
  { needs: ['stages'], check: (config) => stageDuplicates(config.stages) },
  { needs: ['workload'], check: (config) => workloadKind(config.workload).checks(config.workload) },
  {
    // Under an organization grant a puller's name is all that narrows the pulls: a name that is not the workload's
    // (the ECS console's default "ecsTaskExecutionRole", say) would let that role of every account of the
    // organization pull the images.
    needs: ['organization', 'workload', 'tooling'],
    check: (config) => {
      const kind = workloadKind(config.workload);
      const puller = config.organization && kind.usesImages ? kind.imagePuller(config.workload, config.tooling.account, namesFor(config.workload.name, config.name)) : undefined;
      const name = puller?.slice(puller.indexOf(':role/') + ':role/'.length);
      return name && !name.startsWith(`${config.workload.name}-`)
        ? [
            {
              path: 'organization',
              message: `grants image pulls to the role name "${echo(name)}" in every account of the organization, and that name is not the workload's: name the role "${config.workload.name}-..." in the workload, or leave organization out`,
            },
          ]
        : [];
    },
  },
  {
    needs: ['pullRequests', 'source'],
    check: (config) =>
      config.pullRequests && !config.source.connectionArn
        ? [
            {
              path: 'source.connectionArn',
              message:
                'pull-request builds create a GitHub webhook through the connection, which must be AVAILABLE at apply: deploy once without pullRequests, complete the connection handshake, then set source.connectionArn to the connection_arn output',
            },
          ]
        : [],
  },
  {
    needs: ['credentials', 'backend'],
    check: (config) =>
      config.credentials === 'tfc-dynamic' && config.backend.type !== 'cloud'
        ? [{ path: 'credentials', message: `"tfc-dynamic" credentials exist only in HCP Terraform runs: set backend.type to "cloud", or use "assume-role" with the ${config.backend.type} backend` }]
        : [],
  },
];

/**
 * Checks what a schema cannot: duplicates, the names AWS derives from the config, and CodePipeline quotas.
 * `valid` names the top-level fields that passed the schema: each check runs when the fields it needs are
 * valid, so a file with schema errors still gets every other problem reported in the same pass. The checks
 * of the whole (derived names, pipeline size) run when every field is valid and nothing else is wrong.
 */
export function checkPartialEnvironment(config: EnvironmentConfig, valid?: ReadonlySet<string>): ConfigIssue[] {
  const isValid = (field: string) => !valid || valid.has(field);
  const issues = FIELD_CHECKS.filter((c) => c.needs.every(isValid)).flatMap((c) => c.check(config));
  if (issues.length > 0 || !['tooling', 'stages', 'workload', 'name', 'smokeTests'].every(isValid)) return issues;

  issues.push(...checkNameLengths(config));
  return issues;
}

export function stageDuplicates(stages: EnvironmentConfig['stages']): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const dupStages = duplicates(stages.map((s) => s.name));
  stages.forEach((stage, i) => {
    if (dupStages.has(stage.name)) {
      issues.push({ path: `stages[${i}].name`, message: `stage "${echo(stage.name)}" is listed more than once; stage names must be unique` });
    }
    const dupAccounts = duplicates(stage.targets.map((t) => t.account));
    stage.targets.forEach((target, j) => {
      if (dupAccounts.has(target.account)) {
        issues.push({
          path: `stages[${i}].targets[${j}].account`,
          message: `account ${target.account} appears twice in stage "${echo(stage.name)}"; list it once with all its regions`,
        });
      }
      for (const region of duplicates(target.regions)) {
        issues.push({
          path: `stages[${i}].targets[${j}].regions`,
          message: `region ${region} is listed twice for account ${target.account} in stage "${echo(stage.name)}"`,
        });
      }
    });
  });
  return issues;
}

function checkNameLengths(config: EnvironmentConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const n = namesFor(config.workload.name, config.name);
  const stem = `workload.name + environment name ("${echo(n.prefix)}")`;
  const tooLong = (path: string, what: string, name: string, limit: number, fix: string) => {
    if (name.length > limit) {
      issues.push({ path, message: `${what} "${echo(name)}" is ${name.length} characters; AWS allows ${limit}. ${fix}` });
    }
  };
  // The bucket name is the longest name derived from the prefix alone, so it binds every other one
  // (roles, pipeline, project, connection): a test pins that.
  const regions = [config.tooling.region, ...config.stages.flatMap((s) => s.targets.flatMap((t) => t.regions))];
  const bucket = n.artifactBucket(config.tooling.account, longest(regions));
  tooLong('workload.name', 'artifact bucket name', bucket, NAME_LIMITS.s3Bucket, `Shorten ${stem} by ${bucket.length - NAME_LIMITS.s3Bucket} characters.`);
  const reserved = reservedBucketName(bucket);
  if (reserved) issues.push({ path: 'workload.name', message: `the artifact bucket name "${echo(bucket)}" ${reserved}; choose a workload name that does not start with it` });
  // The function's role (`<stack>-<region>`) is the longest name derived from a stage, so it binds the
  // stack and function names too.
  config.stages.forEach((stage, i) => {
    const fnRole = n.functionRole(stage.name, longest(stage.targets.flatMap((t) => t.regions)));
    tooLong(`stages[${i}].name`, 'function role name', fnRole, NAME_LIMITS.iamRole, `Shorten the stage name or ${stem}.`);
  });
  return issues;
}
