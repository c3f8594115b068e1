/**
 * Environments of any shape: A target accounts x R regions, spread over dev/test/prod. Every shape is
 * deployable as is: big stages become waves within CodePipeline's quotas, and verify passes (tested).
 */
import type { EnvironmentInput } from '../src/config/schema';

/** Regions in the order shapes take them; the first is the pipeline region. */
export const SHAPE_REGIONS = ['eu-west-1', 'us-east-1', 'eu-central-1', 'us-west-2', 'ap-southeast-2', 'ap-northeast-1', 'eu-north-1', 'ca-central-1', 'sa-east-1', 'ap-south-1'];
const STAGES = ['dev', 'test', 'prod'];
export const TOOLING_ACCOUNT = '100000000000';

/** Workload kinds a shape can deploy: the default (2 actions a deployment) or an ECS service (1). */
export type ShapeKind = 'lambda-container' | 'ecs-service';

const WORKLOADS: Record<ShapeKind, EnvironmentInput['workload']> = {
  'lambda-container': { name: 'bench' },
  'ecs-service': { kind: 'ecs-service', name: 'bench', path: 'ecs-src', cluster: 'apps', service: 'bench', container: 'web', taskExecutionRoleName: 'bench-task-execution' },
};

/**
 * An environment with `accounts` target accounts round-robin over dev/test/prod (prod approved), each in `regions`
 * regions. CodePipeline holds 500 actions a pipeline: past about 240 deployments only `ecs-service` fits. With an
 * `organization` id, grants to the target accounts name the organization instead of each account.
 */
export function shape(accounts: number, regions: number, kind: ShapeKind = 'lambda-container', organization?: string): EnvironmentInput {
  if (!Number.isInteger(accounts) || accounts < 1) throw new Error(`--accounts must be a whole number of at least 1 (got ${accounts})`);
  if (!Number.isInteger(regions) || regions < 1 || regions > SHAPE_REGIONS.length) {
    throw new Error(`--regions must be a whole number from 1 to ${SHAPE_REGIONS.length} (got ${regions})`);
  }
  const used = SHAPE_REGIONS.slice(0, regions);
  const stageNames = accounts >= 3 ? STAGES : accounts === 2 ? ['dev', 'prod'] : ['prod'];
  const ids = Array.from({ length: accounts }, (_, i) => String(200000000000 + i));
  return {
    name: `shape-${accounts}x${regions}${kind === 'lambda-container' ? '' : '-ecs'}${organization ? '-org' : ''}`,
    ...(organization ? { organization: { id: organization } } : {}),
    tooling: { account: TOOLING_ACCOUNT, region: used[0] as never },
    source: { owner: 'example-org', repository: 'bench', branch: 'main' },
    workload: WORKLOADS[kind],
    stages: stageNames.map((name, s) => ({
      name,
      approval: name === 'prod',
      targets: ids.filter((_, i) => i % stageNames.length === s).map((account) => ({ account, regions: used as never })),
    })),
  };
}
