import type { WorkloadConfig } from '../config/schema';
import type { Names } from '../model/naming';
import type { StoreArns } from '../policy/artifacts';
import type { PolicyDocument } from '../policy/document';
import type { ConfigIssue } from '../config/issue';
import type { Deployment } from '../model/topology';
import type { DeploymentRoleArns, WaveDeployActions } from './pipeline-actions';

/** A target account as its roles' policies see it. */
export interface TargetContext {
  readonly account: string;
  readonly regions: readonly string[];
  readonly deployments: ReadonlyArray<{ stage: string; region: string; stackName: string }>;
  readonly names: Names;
  /** Artifact stores of this account's regions. */
  readonly stores: readonly StoreArns[];
  /** Image repositories of this account's regions (none for kinds without images). */
  readonly repositoryArns: readonly string[];
}

/** The permission documents of a target account's roles. */
export interface DeploymentPolicies {
  readonly action: PolicyDocument;
  readonly execution?: PolicyDocument;
}

/**
 * Everything a workload kind decides, in one module (src/workloads/<kind>.ts) registered in registry.ts. The
 * pipeline, the stack, the policies and verify ask the module; nothing else branches on the kind.
 */
export interface WorkloadKind<W extends WorkloadConfig = WorkloadConfig> {
  readonly kind: W['kind'];
  /** Pipeline actions per deployment, to split stages into waves within CodePipeline's 50 actions a stage. */
  readonly actionsPerDeployment: number;
  /** Whether the build pushes an image to a repository in every deploy region. */
  readonly usesImages: boolean;
  /** Whether deployments are change sets applied by an execution role in each target account. */
  readonly usesChangeSets: boolean;
  /** Whether deployments are Lambda functions: Lambda pulls their image, the smoke test invokes them. */
  readonly deploysFunctions: boolean;
  /** The container whose image the build writes into per-region image definitions, if the kind deploys one. */
  containerName(workload: W): string | undefined;
  /** The deploy actions of a wave's deployments. */
  waveActions(workload: W, deployments: readonly Deployment[], roles: DeploymentRoleArns): WaveDeployActions;
  /** The permissions of the deployment roles of a target account. */
  policies(workload: W, target: TargetContext): DeploymentPolicies;
  /** What the smoke test's read-only role may read in a target account; it can change nothing. */
  smokeCheckPolicy(workload: W, target: TargetContext): PolicyDocument;
  /**
   * The roles of a target account that read the artifact store of a region it deploys to. None writes: a role
   * gets write access only for an action that produces an output artifact, and no deploy action does
   * (docs/security.md, "Artifact integrity").
   */
  storeReaders(workload: W, account: string, names: Names): string[];
  /** The role of a target account that pulls the image, if the kind deploys one. */
  imagePuller(workload: W, account: string, names: Names): string | undefined;
  /** The ECS task roles of the target accounts, which the deploy actions pass (undefined when the kind has none). */
  taskRoles(workload: W, accounts: readonly string[]): { execution: string[]; task: string[] } | undefined;
  /** Problems of the environment file a schema cannot see, with their field paths. */
  checks(workload: W): ConfigIssue[];
  /** Problems found in the workload's files in the repository (`read` gives a file's text, throwing if absent). */
  fileChecks(workload: W, read: (path: string) => string): ConfigIssue[];
}
