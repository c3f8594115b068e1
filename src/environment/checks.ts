/**
 * What a schema cannot check in an environment file: duplicates, the names AWS derives from it, what its workload
 * kind refuses. Each layer's facts come from that layer (naming from the model, a kind's checks from its module).
 */
import type { EnvironmentConfig } from '../config/schema';
import type { ConfigIssue } from '../config/issue';
import { echo } from '../config/source';
import { NAME_LIMITS, names as namesFor, reservedBucketName } from '../model/naming';
import { workloadKind } from '../workloads/registry';

const longest = (values: string[]) => values.reduce((a, b) => (b.length > a.length ? b : a));

function duplicates(values: string[]): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return dup;
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
