import type { EnvironmentConfig } from '../config/schema';
import { names, roleArn } from '../model/naming';
import { stackParts } from '../model/stack-parts';
import { environmentTopology } from '../workloads/registry';

/** The stacks of an environment, its main stack (the whole environment, or its tooling stack) first. */
export function environmentStacks(config: EnvironmentConfig): string[] {
  const { main, targets } = stackParts(config.name, environmentTopology(config).targets.map((t) => t.account), config.targetAccountsPerStack);
  return [main.name, ...targets.map((t) => t.name)];
}

/**
 * What a CI matrix needs of an environment: which Terraform roles to name, which entry role each job assumes, and
 * its stacks (one, or the tooling stack and the target stacks of a split environment, each planned and applied on
 * its own, side by side: docs/scale.md).
 */
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
    stacks: environmentStacks(config),
  };
}

/**
 * One row a stack, for a matrix whose jobs each run one stack: the environment's row with its `stack`, and
 * `verify` on the main stack only, since verify reads every stack of the environment at once.
 */
export function perStack<T extends { stacks: readonly string[] }>({ stacks, ...environment }: T): Array<Omit<T, 'stacks'> & { stack: string; verify: boolean }> {
  return stacks.map((stack, i) => ({ ...environment, stack, verify: i === 0 }));
}

/**
 * "A matrix will generate a maximum of 256 jobs per workflow run" (GitHub docs, workflow syntax,
 * jobs.<job_id>.strategy.matrix): a longer listing would fail the workflow when it starts, so it fails here.
 */
export const GITHUB_MATRIX_JOBS = 256;

/** The rows, once a matrix of them fits GitHub's limit. */
export function withinMatrix<T>(rows: readonly T[], what: string): readonly T[] {
  if (rows.length > GITHUB_MATRIX_JOBS) {
    throw new Error(`${rows.length} ${what} make a matrix of more than GitHub's ${GITHUB_MATRIX_JOBS} jobs a workflow run: raise targetAccountsPerStack (fewer, larger stacks) or deploy the environments from separate workflows`);
  }
  return rows;
}
