import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Construct } from 'constructs';
import { Aspects, Fn, TerraformOutput, TerraformStack, TerraformVariable, Token } from 'cdktf';
import { AccountAccess, AccountProviders } from '../src/constructs/account-providers';
import { useBackend } from '../src/constructs/backend';
import { ArtifactStore } from '../src/constructs/artifact-store';
import { EnvironmentConfig, WorkloadConfig } from '../src/config/schema';
import { DeliveryPipeline } from '../src/constructs/delivery-pipeline';
import { DeploymentRoles } from '../src/constructs/deployment-roles';
import { ImageBuild } from '../src/constructs/image-build';
import { SourceCheck } from '../src/constructs/source-check';
import { ImageRepository } from '../src/constructs/image-repository';
import { Notifications } from '../src/constructs/notifications';
import { PullRequestBuild } from '../src/constructs/pull-request-build';
import { SmokeTest } from '../src/constructs/smoke-test';
import { PermissionsBoundary } from '../src/constructs/permissions-boundary';
import { codeBuildProjectArn, pipelineArn, policyArn, roleArn } from '../src/model/naming';
import { workloadKind } from '../src/workloads/registry';
import type { TargetContext } from '../src/workloads/workload-kind';
import { INTENT_OUTPUT, INTENT_VERSION, PipelineIntent } from '../src/model/intent';
import { TFC_CREDENTIALS_TYPE, TFC_CREDENTIALS_VARIABLE, tfcTag } from '../src/model/tfc';
import { Topology, buildTopology } from '../src/model/topology';

export interface EnvironmentStackOptions {
  /** Folder of the smoke test function's code. Default: lambda-src/smoke of this repository. */
  readonly smokeTestCode?: string;
  /** Reads a file of the repository synth runs in (the pull-request buildspec). Default: from the working directory. */
  readonly readRepositoryFile?: (path: string) => string;
}

/** The Terraform variable naming the role providers assume (plan or apply). */
export const TERRAFORM_ROLE_VARIABLE = 'terraform_role_name';

/** Tag keys every resource carries. */
export const PROJECT_TAG = 'cross-account-pipeline';

/**
 * One environment: every account and region of the delivery system in a single Terraform plan, with its
 * own state. Everything is derived from the environment's topology; nothing is read here.
 */
/** The logical id cdktf gave the service-linked role at construct path `notifications/service-linked-role`. */
export const FORMER_SERVICE_LINKED_ROLE = 'notifications_service-linked-role_BBAC7053';

export class EnvironmentStack extends TerraformStack {
  readonly topology: Topology;
  readonly pipeline: DeliveryPipeline;
  readonly providers: AccountProviders;
  readonly workload: WorkloadConfig;

  constructor(scope: Construct, config: EnvironmentConfig, options: EnvironmentStackOptions = {}) {
    super(scope, config.name);
    const topology = (this.topology = buildTopology(config));
    const { names: n, tooling } = topology;
    const primary = tooling.region;

    const sessionName = `cdktf-${n.prefix}`.slice(0, 64);
    useBackend(this, config.backend, sessionName);
    const providers = (this.providers = new AccountProviders(this, 'providers', {
      toolingAccount: tooling.account,
      places: [
        ...topology.pipelineRegions.map((region) => ({ account: tooling.account, region })),
        ...topology.targets.flatMap((t) => t.regions.map((region) => ({ account: t.account, region }))),
        // AWS Chatbot has its API in a few regions only.
        ...(config.notifications?.slack ? [{ account: tooling.account, region: config.notifications.slack.region }] : []),
      ],
      access: config.credentials === 'tfc-dynamic' ? this.tfcDynamicCredentials() : { kind: 'assume-role', roleName: this.terraformRole(config), sessionName },
      tags: { project: PROJECT_TAG, environment: config.name, workload: config.workload.name, 'managed-by': 'cdktf' },
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


    const smokeTest = config.smokeTests
      ? new SmokeTest(this, 'smoke-test', {
          provider: providers.for(tooling.account, primary),
          account: tooling.account,
          region: primary,
          functionName: n.smokeTest,
          roleName: n.smokeTest,
          codePath: options.smokeTestCode ?? join(__dirname, '..', 'lambda-src', 'smoke'),
          pipelineArn: pipelineArn(tooling.account, primary, n.pipeline),
          checkRoleName: n.smokeCheckRole,
          checkAccounts: topology.targets.map((t) => t.account),
          ...(config.organization ? { checkRoleInAnyAccount: true } : {}),
          keyArn: storeIn(primary).keyArn,
          invokeFunctions: kind.deploysFunctions,
        })
      : undefined;

    const deploymentRoles = topology.targets.map((target) =>
      this.deploymentRoles(config, target, pipelineRole, {
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

    notifications?.notifyOn({ name: this.pipeline.pipeline.name, arn: this.pipeline.pipeline.arn });
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
    new TerraformOutput(this, INTENT_OUTPUT, { value: pipelineIntent(config, topology), staticId: true });
  }

  /** The roles of one target account: the action role, the execution role and boundary, the smoke check role. */
  private deploymentRoles(config: EnvironmentConfig, target: Topology['targets'][number], pipelineRole: string, stores: Pick<TargetContext, 'stores' | 'repositoryArns'>): DeploymentRoles {
    const { workload } = config;
    const kind = workloadKind(workload);
    const n = this.topology.names;
    const context: TargetContext = { account: target.account, regions: target.regions, deployments: target.deployments, names: n, ...stores };
    const policies = kind.policies(workload, context);
    const smokeCheck = config.smokeTests ? kind.smokeCheckPolicy(workload, context) : undefined;
    return new DeploymentRoles(this, `deploy-roles-${target.account}`, {
      provider: this.providers.for(target.account, target.regions[0]!),
      account: target.account,
      actionRoleName: n.actionRole,
      pipelineRoleArn: pipelineRole,
      actionPermissions: policies.action,
      ...(policies.execution
        ? { execution: { roleName: n.executionRole, permissions: policies.execution } }
        : {}),
      ...(smokeCheck ? { smokeCheck: { roleName: n.smokeCheckRole, smokeRoleArn: roleArn(this.topology.tooling.account, n.smokeTest), permissions: smokeCheck } } : {}),
    });
  }

  /**
   * The role every provider assumes: the apply role unless the run says `TF_VAR_terraform_role_name=<plan role>`.
   * Ephemeral (Terraform 1.10+), so a saved plan does not keep it: a plan made with the read-only plan role is
   * applied with the apply role, given again at apply time (docs/ci.md). Only the two configured names pass.
   */
  private terraformRole(config: EnvironmentConfig): string {
    const names = [config.terraformPlanRoleName, config.terraformRoleName];
    const role = new TerraformVariable(this, TERRAFORM_ROLE_VARIABLE, {
      type: 'string',
      default: config.terraformRoleName,
      nullable: false,
      description: `Role Terraform assumes in every account: ${config.terraformRoleName} (apply, default) or ${config.terraformPlanRoleName} (plan, read-only)`,
      validation: [
        {
          condition: `\${contains(${JSON.stringify(names)}, var.${TERRAFORM_ROLE_VARIABLE})}`,
          errorMessage: `terraform_role_name must be ${names.map((n) => `"${n}"`).join(' or ')}.`,
        },
      ],
    });
    role.addOverride('ephemeral', true);
    return role.stringValue;
  }

  /**
   * HCP Terraform fills this variable by its exact name, so it is declared on the stack itself: inside a
   * construct cdktf would suffix the name and the credentials would silently never arrive.
   */
  private tfcDynamicCredentials(): AccountAccess {
    const credentials = new TerraformVariable(this, TFC_CREDENTIALS_VARIABLE, {
      type: TFC_CREDENTIALS_TYPE,
      description: 'Filled by HCP Terraform dynamic provider credentials: one shared config file per account configuration',
    });
    return {
      kind: 'shared-config',
      configFile: (account) => Token.asString(Fn.lookupNested(credentials.value, ['aliases', tfcTag(account), 'shared_config_file'])),
    };
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
function pipelineIntent(config: EnvironmentConfig, topology: Topology): PipelineIntent {
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
  };
}

/** Grants to the target accounts by their organization, when the environment names one. */
const organizationOf = (config: EnvironmentConfig) =>
  config.organization ? { organization: { id: config.organization.id, ...(config.organization.paths ? { paths: config.organization.paths } : {}) } } : {};
