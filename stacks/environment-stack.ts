import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Construct } from 'constructs';
import { Aspects, TerraformOutput, TerraformStack } from 'cdktf';
import { AccountProviders } from '../src/constructs/account-providers';
import { useBackend } from '../src/constructs/backend';
import { ArtifactStore } from '../src/constructs/artifact-store';
import { EnvironmentConfig, WorkloadConfig } from '../src/config/schema';
import { DeliveryPipeline } from '../src/constructs/delivery-pipeline';
import { ImageBuild } from '../src/constructs/image-build';
import { SourceCheck } from '../src/constructs/source-check';
import { ImageRepository } from '../src/constructs/image-repository';
import { Notifications } from '../src/constructs/notifications';
import { PullRequestBuild } from '../src/constructs/pull-request-build';
import { SmokeTest } from '../src/constructs/smoke-test';
import { PermissionsBoundary } from '../src/constructs/permissions-boundary';
import { codeBuildProjectArn, pipelineArn, policyArn, roleArn } from '../src/model/naming';
import { chainNames } from '../src/workloads/pipeline-layout';
import { workloadKind, environmentTopology } from '../src/workloads/registry';
import { INTENT_OUTPUT, INTENT_VERSION, PipelineIntent } from '../src/model/intent';
import type { MainPart } from '../src/model/stack-parts';
import { accountAccess, deploymentRolesOf, environmentTags } from './stack-setup';
import { Topology } from '../src/model/topology';

export interface EnvironmentStackOptions {
  /** Folder of the smoke test function's code. Default: lambda-src/smoke of this repository. */
  readonly smokeTestCode?: string;
  /** Reads a file of the repository synth runs in (the pull-request buildspec). Default: from the working directory. */
  readonly readRepositoryFile?: (path: string) => string;
  /** Which part of the environment the stack holds: all of it, or the tooling account of a split one. @default the whole environment */
  readonly part?: MainPart;
}

/** The logical id cdktf gave the service-linked role at construct path `notifications/service-linked-role`. */
export const FORMER_SERVICE_LINKED_ROLE = 'notifications_service-linked-role_BBAC7053';

/**
 * One environment: every account and region of the delivery system in a single Terraform plan, with its
 * own state; or, for a split environment, its tooling account (the target accounts are in
 * stacks/target-accounts-stack.ts). Everything is derived from the environment's topology; nothing is read here.
 */
export class EnvironmentStack extends TerraformStack {
  readonly topology: Topology;
  readonly pipeline: DeliveryPipeline;
  readonly providers: AccountProviders;
  readonly workload: WorkloadConfig;
  /** The whole environment, or the tooling stack of a split one. */
  readonly part: MainPart;
  /** The organization the grants to target accounts name, if the environment names one. */
  readonly organization?: EnvironmentConfig['organization'];

  constructor(scope: Construct, config: EnvironmentConfig, options: EnvironmentStackOptions = {}) {
    const part: MainPart = options.part ?? { kind: 'whole', name: config.name };
    super(scope, part.name);
    this.part = part;
    if (config.organization) this.organization = config.organization;
    const topology = (this.topology = environmentTopology(config));
    const { names: n, tooling } = topology;
    const primary = tooling.region;
    // A split environment's target accounts are in their own stacks (stacks/target-accounts-stack.ts).
    const targetsHere = part.kind === 'whole' ? topology.targets : [];

    const sessionName = `cdktf-${n.prefix}`.slice(0, 64);
    useBackend(this, config.backend, sessionName);
    const providers = (this.providers = new AccountProviders(this, 'providers', {
      toolingAccount: tooling.account,
      places: [
        ...topology.pipelineRegions.map((region) => ({ account: tooling.account, region })),
        ...targetsHere.flatMap((t) => t.regions.map((region) => ({ account: t.account, region }))),
        // AWS Chatbot has its API in a few regions only.
        ...(config.notifications?.slack ? [{ account: tooling.account, region: config.notifications.slack.region }] : []),
      ],
      access: accountAccess(this, config, sessionName),
      tags: environmentTags(config),
    }));

    // Every role of the stack carries the boundary ci-setup created in its account (docs/security.md).
    Aspects.of(this).add(new PermissionsBoundary((account) => policyArn(account, n.roleBoundary)));
    const pipelineRole = roleArn(tooling.account, n.pipelineRole);
    const buildRole = roleArn(tooling.account, n.buildRole);
    const workload = (this.workload = config.workload);
    const kind = workloadKind(workload);
    const deployersIn = (region: string) => topology.targets.filter((t) => t.regions.includes(region)).map((t) => t.account);
    const stacksIn = (region: string) => topology.targets.flatMap((t) => t.deployments.filter((d) => d.region === region).map((d) => d.stackName));

    const stores = topology.pipelineRegions.map((region) => {
      return new ArtifactStore(this, `artifacts-${region}`, {
        provider: providers.for(tooling.account, region),
        account: tooling.account,
        region,
        bucketName: n.artifactBucket(tooling.account, region),
        keyAlias: n.keyAlias,
        // Only the pipeline role (which copies artifacts between regions) and the build write artifacts.
        writers: [pipelineRole, ...(region === primary ? [buildRole] : [])],
        // The source check reads the source artifact (a clone reference) in the pipeline region.
        readers: [...(region === primary ? [roleArn(tooling.account, n.sourceCheckRole)] : []), ...deployersIn(region).flatMap((account) => kind.storeReaders(workload, account, n))],
        ...organizationOf(config),
        logGroups:
          region === primary
            ? [n.buildLogGroup, n.sourceCheckLogGroup, ...(config.pullRequests ? [n.pullRequestLogGroup] : []), ...(config.smokeTests ? [n.smokeTestLogGroup] : [])]
            : [],
      });
    });
    const storeIn = (region: string) => stores.find((s) => s.region === region)!;

    const repositories = kind.usesImages
      ? topology.deployRegions.map((region) => {
          const deployers = deployersIn(region);
          return new ImageRepository(this, `images-${region}`, {
            provider: providers.for(tooling.account, region),
            account: tooling.account,
            region,
            repositoryName: n.repository,
            pullers: deployers.map((account) => kind.imagePuller(workload, account, n)!),
            functions: kind.deploysFunctions ? { accounts: deployers, names: stacksIn(region) } : undefined,
            ...organizationOf(config),
          });
        })
      : [];
    const repositoriesIn = (regions: readonly string[]) => repositories.filter((r) => regions.includes(r.region));


    // The pipelines the waves need (one while CodePipeline's quotas allow), named before they exist: the smoke test reads them.
    const pipelineNames = chainNames(n.pipeline, topology.waves, workload, Boolean(config.smokeTests));
    const smokeTest = config.smokeTests
      ? new SmokeTest(this, 'smoke-test', {
          provider: providers.for(tooling.account, primary),
          account: tooling.account,
          region: primary,
          functionName: n.smokeTest,
          roleName: n.smokeTest,
          codePath: options.smokeTestCode ?? join(__dirname, '..', 'lambda-src', 'smoke'),
          pipelineArns: pipelineNames.map((name) => pipelineArn(tooling.account, primary, name)),
          checkRoleName: n.smokeCheckRole,
          checkAccounts: topology.targets.map((t) => t.account),
          ...(config.organization ? { checkRoleInAnyAccount: true } : {}),
          keyArn: storeIn(primary).keyArn,
          invokeFunctions: kind.deploysFunctions,
        })
      : undefined;

    const deploymentRoles = targetsHere.map((target) =>
      deploymentRolesOf(this, config, topology, providers, target, {
        stores: target.regions.map(storeIn),
        repositoryArns: repositoriesIn(target.regions).map((r) => r.arn),
      }),
    );

    const notifications = config.notifications
      ? new Notifications(this, 'notifications', {
          provider: providers.for(tooling.account, primary),
          account: tooling.account,
          region: primary,
          topicName: n.notificationTopic,
          keyAlias: n.notificationKeyAlias,
          pipelineRoleArn: pipelineRole,
          emails: config.notifications.emails,
          ...(config.notifications.slack
            ? {
                slack: {
                  provider: providers.for(tooling.account, config.notifications.slack.region),
                  workspaceId: config.notifications.slack.workspaceId,
                  channelId: config.notifications.slack.channelId,
                  roleName: n.chatbotRole,
                },
              }
            : {}),
        })
      : undefined;

    this.pipeline = new DeliveryPipeline(this, 'pipeline', {
      provider: providers.for(tooling.account, primary),
      account: tooling.account,
      region: primary,
      pipelineName: n.pipeline,
      roleName: n.pipelineRole,
      source: config.source,
      connectionName: n.connection,
      // The projects come after the pipeline, which creates the connection they clone through; the pipeline waits for them.
      buildProject: { name: n.buildProject, arn: codeBuildProjectArn(tooling.account, primary, n.buildProject) },
      sourceCheckProject: { name: n.sourceCheckProject, arn: codeBuildProjectArn(tooling.account, primary, n.sourceCheckProject) },
      stores,
      waves: topology.waves,
      workload,
      ...(notifications ? { notifications: { topicArn: notifications.topicArn, keyArn: notifications.key.arn } } : {}),
      ...(smokeTest ? { smokeTest: { functionName: n.smokeTest, functionArn: smokeTest.function.arn } } : {}),
      actionRoleName: n.actionRole,
      ...(config.organization ? { actionRoleInAnyAccount: true } : {}),
      executionRoleName: n.executionRole,
      workloadBoundaryName: n.workloadBoundary,
      // The first run starts as soon as the pipeline exists: every grant it relies on must be in place.
      dependsOn: [
        ...deploymentRoles.flatMap((r) => r.policies),
        ...stores.map((s) => s.policy),
        ...repositories.map((r) => r.policy),
      ],
    });

    const build = new ImageBuild(this, 'build', {
      provider: providers.for(tooling.account, primary),
      account: tooling.account,
      region: primary,
      projectName: n.buildProject,
      roleName: n.buildRole,
      logGroupName: n.buildLogGroup,
      store: storeIn(primary),
      connectionArn: this.pipeline.connectionArn,
      workloadPath: workload.path,
      targets: repositories.map((r) => ({ region: r.region, repositoryArn: r.arn, repositoryUri: r.uri })),
      ...(kind.containerName(workload) ? { containerName: kind.containerName(workload)! } : {}),
      scanGate: config.imageScan,
    });
    const sourceCheck = new SourceCheck(this, 'source-check', {
      provider: providers.for(tooling.account, primary),
      account: tooling.account,
      region: primary,
      projectName: n.sourceCheckProject,
      roleName: n.sourceCheckRole,
      logGroupName: n.sourceCheckLogGroup,
      store: storeIn(primary),
      connectionArn: this.pipeline.connectionArn,
      branch: config.source.branch,
    });
    this.pipeline.startsAfter(build.project, sourceCheck.project);

    notifications?.notifyOn(this.pipeline.pipelines.map((p) => ({ name: p.name, arn: p.arn })));
    // Stacks synthesized before 2026-12 owned CodeStar Notifications' service-linked role at this address; the
    // account keeps it when the stack lets go of it (a `removed` block, Terraform 1.7+), so other rules keep working.
    if (notifications) this.addOverride('removed', [{ from: `aws_iam_service_linked_role.${FORMER_SERVICE_LINKED_ROLE}`, lifecycle: { destroy: false } }]);
    if (config.pullRequests && config.source.connectionArn) {
      new PullRequestBuild(this, 'pull-requests', {
        provider: providers.for(tooling.account, primary),
        account: tooling.account,
        region: primary,
        projectName: n.pullRequestProject,
        roleName: n.pullRequestRole,
        logGroupName: n.pullRequestLogGroup,
        keyArn: storeIn(primary).keyArn,
        repository: `${config.source.owner}/${config.source.repository}`,
        baseBranch: config.source.branch,
        connectionArn: config.pullRequests.connectionArn ?? config.source.connectionArn,
        buildspec: (options.readRepositoryFile ?? ((path: string) => readFileSync(path, 'utf8')))(config.pullRequests.buildspec ?? `${workload.path}/buildspec-pr.yml`),
        commentApproval: config.pullRequests.commentApproval,
        ...(config.pullRequests.actors ? { actors: config.pullRequests.actors } : {}),
      });
    }
    this.outputs(topology, stores, repositories);
    // What the pipeline intends, for verify to derive its paths from and hold the plan to (src/model/intent.ts).
    new TerraformOutput(this, INTENT_OUTPUT, { value: pipelineIntent(config, topology, part.kind === 'tooling' ? part.targetStacks : undefined), staticId: true });
    if (part.kind === 'tooling') {
      // The pipeline's first run needs every target stack applied: a deploy into an account whose stack is not
      // yet applied fails for want of its roles, and passes on a retry once it is (docs/scale.md).
      new TerraformOutput(this, 'target_stacks', {
        value: part.targetStacks,
        description: 'Stacks holding the target accounts\' roles: apply every one before the pipeline\'s first deploy',
        staticId: true,
      });
    }
  }

  private outputs(topology: Topology, stores: ArtifactStore[], repositories: ImageRepository[]): void {
    const region = topology.tooling.region;
    const { pipeline } = this;
    new TerraformOutput(this, 'pipeline_name', { value: pipeline.pipeline.name });
    new TerraformOutput(this, 'pipeline_url', {
      value: `https://${region}.console.aws.amazon.com/codesuite/codepipeline/pipelines/${pipeline.pipeline.name}/view?region=${region}`,
    });
    new TerraformOutput(this, 'connection_arn', { value: pipeline.connectionArn });
    if (pipeline.connection) {
      new TerraformOutput(this, 'connection_status', { value: pipeline.connection.connectionStatus });
      new TerraformOutput(this, 'connection_handshake', {
        value:
          `New GitHub connections start PENDING: once, open https://${region}.console.aws.amazon.com/codesuite/settings/connections?region=${region}, ` +
          `choose the connection ${topology.names.connection}, "Update pending connection", and authorize the GitHub app. Then release the pipeline.`,
      });
    }
    new TerraformOutput(this, 'artifact_buckets', {
      value: Object.fromEntries(stores.map((s) => [s.region, s.bucket.bucket])),
    });
    if (repositories.length) {
      new TerraformOutput(this, 'image_repositories', { value: Object.fromEntries(repositories.map((r) => [r.region, r.uri])) });
    }
    new TerraformOutput(this, 'deploy_roles', {
      value: Object.fromEntries(
        topology.targets.map((t) => [
          t.account,
          {
            action: roleArn(t.account, topology.names.actionRole),
            ...(workloadKind(this.workload).usesChangeSets ? { execution: roleArn(t.account, topology.names.executionRole) } : {}),
          },
        ]),
      ),
    });
  }
}

/** The pipeline's intent record of an environment (src/model/intent.ts). */
function pipelineIntent(config: EnvironmentConfig, topology: Topology, targetStacks?: readonly string[]): PipelineIntent {
  const { workload } = config;
  const kind = workloadKind(workload);
  const n = topology.names;
  const taskRoles = kind.taskRoles(workload, topology.targets.map((t) => t.account));
  return {
    version: INTENT_VERSION,
    kind: workload.kind,
    prefix: n.prefix,
    deployments: topology.targets.flatMap((t) =>
      t.deployments.map((d) => ({
        stage: d.stage,
        account: t.account,
        region: d.region,
        stackName: d.stackName,
        actionRole: roleArn(t.account, n.actionRole),
        ...(kind.usesChangeSets ? { executionRole: roleArn(t.account, n.executionRole) } : {}),
      })),
    ),
    ...(kind.usesImages
      ? {
          images: {
            regions: [...topology.deployRegions],
            pullers: [...new Set(topology.targets.map((t) => kind.imagePuller(workload, t.account, n)!))].sort(),
            lambdaPulls: kind.deploysFunctions,
          },
        }
      : {}),
    ...(taskRoles ? { taskRoles } : {}),
    ...(config.smokeTests ? { smoke: { functionName: n.smokeTest, checkRoleName: n.smokeCheckRole, invokesFunctions: kind.deploysFunctions } } : {}),
    ...(config.organization ? { organization: { id: config.organization.id, paths: config.organization.paths ?? [] } } : {}),
    ...(targetStacks ? { targetStacks: [...targetStacks] } : {}),
  };
}

/** Grants to the target accounts by their organization, when the environment names one. */
const organizationOf = (config: EnvironmentConfig) =>
  config.organization ? { organization: { id: config.organization.id, ...(config.organization.paths ? { paths: config.organization.paths } : {}) } } : {};
