import { Construct } from 'constructs';
import { ITerraformDependable, TerraformProvider, dependable } from 'cdktf';
import { CodeconnectionsConnection } from '@cdktf/provider-aws/lib/codeconnections-connection';
import { Codepipeline } from '@cdktf/provider-aws/lib/codepipeline';
import { ArtifactStore } from './artifact-store';
import { continuationName, pipelineArn, policyArn, roleArn } from '../model/naming';
import { assumableRoles, serviceTrust } from '../policy/document';
import { pipelineRolePolicy } from '../policy/roles';
import { RELEASES, pipelineLayouts } from '../workloads/pipeline-layout';
import { Role } from './role';
import { Wave } from '../model/topology';
import type { WorkloadConfig } from '../config/schema';

export interface PipelineSource {
  /** GitHub owner. */
  readonly owner: string;
  /** GitHub repository. */
  readonly repository: string;
  /** Branch that starts the pipeline. */
  readonly branch: string;
  /** Existing CodeConnections connection. Default: a new connection named `connectionName` (PENDING until the console handshake). */
  readonly connectionArn?: string;
}

export interface DeliveryPipelineProps {
  /** Provider of the tooling account in the pipeline region. */
  readonly provider: TerraformProvider;
  /** Tooling account id. */
  readonly account: string;
  /** Pipeline region. */
  readonly region: string;
  readonly pipelineName: string;
  readonly roleName: string;
  readonly source: PipelineSource;
  /** Name of the connection created when `source.connectionArn` is not given. */
  readonly connectionName: string;
  /** Name and ARN of the build project. */
  readonly buildProject: { readonly name: string; readonly arn: string };
  /** Name and ARN of the project that checks the source commit is on the branch. */
  readonly sourceCheckProject: { readonly name: string; readonly arn: string };
  /** One artifact store per region: the pipeline region and every action region. */
  readonly stores: readonly ArtifactStore[];
  /** Deployment waves in order. */
  readonly waves: readonly Wave[];
  /** The workload: what each deployment does. */
  readonly workload: WorkloadConfig;
  /** Name of the action role in every target account. */
  readonly actionRoleName: string;
  /**
   * Assume the action role by its name in any account, not by each account's ARN: for an environment that grants by
   * organization, whose thousand accounts would not fit the role's policy quotas. It may then assume a role of that
   * name anywhere; the pipeline's actions (which only the apply role changes) decide which (docs/security.md).
   * @default false
   */
  readonly actionRoleInAnyAccount?: boolean;
  /** Name of the CloudFormation execution role in every target account. */
  readonly executionRoleName: string;
  /** Name of the managed policy that bounds the roles the workload template creates, in every target account. */
  readonly workloadBoundaryName: string;
  /** Function that checks each wave after deployment. Default: none. */
  readonly smokeTest?: { readonly functionName: string; readonly functionArn: string };
  /** Topic (and its key) the approvals publish to. Default: none. */
  readonly notifications?: { readonly topicArn: string; readonly keyArn: string };
  /** Resources the first run needs in place (role and resource policies). Default: none. */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * The CodePipeline V2 of an environment: GitHub source, image build, then each deployment wave with its
 * actions in the target account (action role) and region (regional artifact store). Beyond one pipeline's
 * quotas, a chain of them sharing one role: each next one starts from the build the one before released.
 */
export class DeliveryPipeline extends Construct {
  /** The first pipeline: Source and Build. */
  readonly pipeline: Codepipeline;
  /** Every pipeline of the chain, in order (the first alone while the waves fit it). */
  readonly pipelines: Codepipeline[];
  readonly role: Role;
  /** The connection this pipeline created, if it created one. */
  readonly connection?: CodeconnectionsConnection;
  readonly connectionArn: string;
  /** The names of the pipelines, in chain order. */
  readonly names: string[];

  constructor(scope: Construct, id: string, props: DeliveryPipelineProps) {
    super(scope, id);
    const storeRegions = new Set(props.stores.map((s) => s.region));
    const needed = [props.region, ...props.waves.flatMap((w) => w.deployments.map((d) => d.region))];
    const missing = [...new Set(needed.filter((r) => !storeRegions.has(r)))];
    if (missing.length > 0) {
      throw new Error(
        `DeliveryPipeline ${this.node.path}: no artifact store for ${missing.join(', ')}; a pipeline needs one store in its own region and one in every action region`,
      );
    }
    const { provider, account } = props;

    if (props.source.connectionArn) {
      this.connectionArn = props.source.connectionArn;
    } else {
      this.connection = new CodeconnectionsConnection(this, 'connection', {
        provider,
        name: props.connectionName,
        providerType: 'GitHub',
      });
      this.connectionArn = this.connection.arn;
    }

    const pipelineStore = props.stores.find((s) => s.region === props.region)!;
    const layouts = pipelineLayouts({
      connectionArn: this.connectionArn,
      fullRepositoryId: `${props.source.owner}/${props.source.repository}`,
      branch: props.source.branch,
      buildProjectName: props.buildProject.name,
      sourceCheckProjectName: props.sourceCheckProject.name,
      waves: props.waves,
      workload: props.workload,
      actionRoleArn: (a) => roleArn(a, props.actionRoleName),
      executionRoleArn: (a) => roleArn(a, props.executionRoleName),
      workloadBoundaryArn: (a) => policyArn(a, props.workloadBoundaryName),
      ...(props.notifications ? { notificationTopicArn: props.notifications.topicArn } : {}),
      ...(props.smokeTest ? { smokeTest: { functionName: props.smokeTest.functionName } } : {}),
      pipelineName: (n) => continuationName(props.pipelineName, n),
      releaseStore: { bucket: pipelineStore.bucketName, keyArn: pipelineStore.keyArn },
    });
    this.names = layouts.map((l) => l.name);
    if (layouts.length > 1) pipelineStore.holdReleases(RELEASES, roleArn(account, props.roleName));

    const accounts = [...new Set(props.waves.flatMap((w) => w.deployments.map((d) => d.account)))];
    this.role = new Role(this, 'role', {
      provider,
      account,
      roleName: props.roleName,
      description: 'Service role of the delivery pipeline: moves artifacts and assumes the deploy roles',
      trustPolicy: serviceTrust('codepipeline.amazonaws.com'),
      permissions: pipelineRolePolicy({
        stores: props.stores,
        buildProjectArn: props.buildProject.arn,
        sourceCheckProjectArn: props.sourceCheckProject.arn,
        actionRoleArns: assumableRoles(props.actionRoleName, accounts, props.actionRoleInAnyAccount),
        connectionArn: this.connectionArn,
        ...(props.notifications ? { notifications: props.notifications } : {}),
        ...(props.smokeTest ? { smokeTestFunctionArn: props.smokeTest.functionArn } : {}),
        ...(layouts.length > 1 ? { continuationArns: layouts.slice(1).map((l) => pipelineArn(account, props.region, l.name)) } : {}),
      }),
    });

    this.pipelines = layouts.map(
      (layout, i) =>
        new Codepipeline(this, i === 0 ? 'pipeline' : `pipeline-${i + 1}`, {
          provider,
          name: layout.name,
          pipelineType: 'V2',
          // A newer commit overtakes an older run waiting at an approval, so prod is offered the latest build.
          executionMode: 'SUPERSEDED',
          roleArn: this.role.role.arn,
          artifactStore: props.stores.map((store) => ({
            type: 'S3',
            location: store.bucket.bucket,
            region: store.region,
            encryptionKey: { type: 'KMS', id: store.keyArn },
          })),
          stage: layout.stages.map((stage) => ({
            name: stage.name,
            action: stage.actions,
          })),
          dependsOn: [this.role.policy, ...(props.dependsOn ?? [])],
        }),
    );
    this.pipeline = this.pipelines[0]!;
  }

  /** The first run starts as soon as the pipeline exists: it must wait for what its actions run. */
  startsAfter(...resources: ITerraformDependable[]): void {
    for (const pipeline of this.pipelines) pipeline.dependsOn = [...(pipeline.dependsOn ?? []), ...resources.map((r) => dependable(r))];
  }
}
