/**
 * What each workload kind needs from the pipeline, as small pure facts the constructs and checks share.
 */
import type { WorkloadConfig } from './config/schema';

export type WorkloadKind = WorkloadConfig['kind'];

/** Pipeline actions per deployment: a change-set replace and execute, or one ECS deploy action. */
export const actionsPerDeployment = (w: WorkloadConfig) => (w.kind === 'ecs-service' ? 1 : 2);

/** Whether the build pushes an image to a repository in every deploy region. */
export const usesImages = (w: WorkloadConfig) => w.kind !== 'cloudformation';

/** Whether deployments are CloudFormation change sets (with an execution role in each target account). */
export const usesChangeSets = (w: WorkloadConfig) => w.kind !== 'ecs-service';

/** The file of the build output the ECS deploy action of `region` reads (one per region: repositories are regional). */
export const imageDefinitionsFile = (region: string) => `imagedefinitions-${region}.json`;

/**
 * Expands `{account}`, `{region}` and `{stack}` in a permission of a `cloudformation` workload for every
 * stack of an account, so one statement in the environment file scopes to each account's own resources.
 */
export function expandPlaceholders(value: string, places: ReadonlyArray<{ account: string; region: string; stackName: string }>): string[] {
  if (!/\{(account|region|stack)\}/.test(value)) return [value];
  const expanded = places.map((p) => value.replace(/\{account\}/g, p.account).replace(/\{region\}/g, p.region).replace(/\{stack\}/g, p.stackName));
  return [...new Set(expanded)].sort();
}
