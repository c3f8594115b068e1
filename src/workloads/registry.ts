import type { EnvironmentConfig, WorkloadConfig } from '../config/schema';
import { Topology, buildTopology } from '../model/topology';
import { cloudformation } from './cloudformation';
import { ecsService } from './ecs-service';
import { lambdaContainer } from './lambda-container';
import type { WorkloadKind } from './workload-kind';

type Kinds = { readonly [K in WorkloadConfig['kind']]: WorkloadKind<Extract<WorkloadConfig, { kind: K }>> };

/** Every workload kind by name: adding a kind is its module plus one line here (CONTRIBUTING.md). */
export const WORKLOAD_KINDS: Kinds = {
  'lambda-container': lambdaContainer,
  'ecs-service': ecsService,
  cloudformation,
};

/** The module of a workload's kind, typed for that workload. */
export const workloadKind = <W extends WorkloadConfig>(workload: W): WorkloadKind<W> => WORKLOAD_KINDS[workload.kind] as unknown as WorkloadKind<W>;

/** The environment's topology, its waves sized by its workload kind's actions per deployment. */
export const environmentTopology = (config: EnvironmentConfig): Topology => buildTopology(config, workloadKind(config.workload).actionsPerDeployment);
