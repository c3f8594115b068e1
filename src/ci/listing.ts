import type { EnvironmentConfig } from '../config/schema';
import { names, roleArn } from '../model/naming';

/**
 * The CI setup and workflows run one stack per environment: a split environment (`targetAccountsPerStack`) would
 * have its target stacks silently left out, so it is refused until they run every stack (docs/scale.md).
 */
export function assertOneStack(config: EnvironmentConfig): void {
  if (config.targetAccountsPerStack === undefined) return;
  throw new Error(
    `environment ${config.name} is split into stacks (targetAccountsPerStack): the GitHub workflows, HCP Terraform workspaces and npm run ci-setup handle one stack an environment so far; deploy its stacks with cdktf (\`cdktf deploy '${config.name}' '${config.name}-targets-*'\`) or leave targetAccountsPerStack out`,
  );
}

/** What a CI matrix needs of an environment: which Terraform roles to name and which entry role each job assumes. */
export function ciListing(config: EnvironmentConfig) {
  assertOneStack(config);
  const ci = names(config.workload.name, config.name).ci;
  const tooling = config.tooling.account;
  return {
    name: config.name,
    backend: config.backend.type,
    region: config.tooling.region,
    planRole: config.terraformPlanRoleName,
    applyRole: config.terraformRoleName,
    prRoleArn: roleArn(tooling, ci.pullRequestEntry),
    planRoleArn: roleArn(tooling, ci.planEntry),
    applyRoleArn: roleArn(tooling, ci.applyEntry),
  };
}
