import type { EnvironmentConfig } from '../config/schema';
import { names, roleArn } from '../model/naming';

/** What a CI matrix needs of an environment: which Terraform roles to name and which entry role each job assumes. */
export function ciListing(config: EnvironmentConfig) {
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
