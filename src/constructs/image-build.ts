import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CodebuildProject } from '@cdktf/provider-aws/lib/codebuild-project';
import { codeBuildTrust } from '../policy/document';
import { buildRolePolicy } from '../policy/roles';
import { PipelineProjectProps } from './pipeline-project';
import { Role } from './role';

/** A regional image repository the build pushes to. */
export interface BuildTarget {
  readonly region: string;
  readonly repositoryArn: string;
  readonly repositoryUri: string;
}

export interface ImageBuildProps extends PipelineProjectProps {
  /** One repository per deploy region; the same image is pushed to each. Empty for a workload without an image. */
  readonly targets: readonly BuildTarget[];
  /** Container that runs the image, for an ECS workload: the build then writes imagedefinitions files. Default: none. */
  readonly containerName?: string;
  /** Vulnerability gate: fail on this scan severity or worse, except the allowed findings. Default: HIGH, none allowed. */
  readonly scanGate?: { readonly failOn: string; readonly allow: readonly string[] };
  /** Folder of the workload in the source repository (Dockerfile, buildspec.yml, template.yaml). */
  readonly workloadPath: string;
  /** Days build logs are kept. Default: 90. */
  readonly logRetentionDays?: number;
  /** CodeBuild compute type. Default: BUILD_GENERAL1_SMALL. */
  readonly computeType?: string;
  /** CodeBuild image. Default: aws/codebuild/amazonlinux-x86_64-standard:5.0. */
  readonly buildImage?: string;
}

/** Log retention values CloudWatch Logs accepts. */
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/**
 * The CodeBuild project that builds the workload once: its image (pushed to every deploy region) or, for a
 * plain CloudFormation workload, whatever its buildspec puts in the build output.
 * `encryption_key` is the pipeline's CMK: without it CodeBuild writes its output with `aws/s3`, which
 * no target account can decrypt.
 */
export class ImageBuild extends Construct {
  readonly project: CodebuildProject;
  readonly role: Role;
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: ImageBuildProps) {
    super(scope, id);
    const retention = props.logRetentionDays ?? 90;
    if (!RETENTION_DAYS.includes(retention)) {
      throw new Error(`ImageBuild ${this.node.path}: logRetentionDays ${retention} is not accepted by CloudWatch Logs; use one of ${RETENTION_DAYS.join(', ')}`);
    }
    const { provider, account, region } = props;
    this.logGroup = new CloudwatchLogGroup(this, 'logs', {
      provider,
      name: props.logGroupName,
      retentionInDays: retention,
      kmsKeyId: props.store.keyArn,
    });
    this.role = new Role(this, 'role', {
      provider,
      account,
      roleName: props.roleName,
      description: 'Builds the workload image and pushes it to every deploy region',
      trustPolicy: codeBuildTrust(account),
      permissions: buildRolePolicy({
        account,
        region,
        store: props.store,
        logGroup: props.logGroupName,
        repositoryArns: props.targets.map((t) => t.repositoryArn),
        connectionArn: props.connectionArn,
      }),
    });
    this.project = new CodebuildProject(this, 'project', {
      provider,
      name: props.projectName,
      description: 'Builds the workload image once and pushes it to every deploy region',
      serviceRole: this.role.role.arn,
      encryptionKey: props.store.keyArn,
      buildTimeout: 30,
      source: { type: 'CODEPIPELINE', buildspec: `${props.workloadPath}/buildspec.yml` },
      artifacts: { type: 'CODEPIPELINE' },
      environment: {
        type: 'LINUX_CONTAINER',
        computeType: props.computeType ?? 'BUILD_GENERAL1_SMALL',
        image: props.buildImage ?? 'aws/codebuild/amazonlinux-x86_64-standard:5.0',
        // Docker builds need the privileged daemon; a build without an image gets no root on the build host.
        privilegedMode: props.targets.length > 0,
        environmentVariable: [
          { name: 'WORKLOAD_DIR', value: props.workloadPath },
          ...(props.targets.length ? [{ name: 'IMAGE_REPOSITORIES', value: props.targets.map((t) => `${t.region}=${t.repositoryUri}`).join(' ') }] : []),
          ...(props.containerName ? [{ name: 'CONTAINER_NAME', value: props.containerName }] : []),
          ...(props.targets.length
            ? [
                { name: 'SCAN_FAIL_ON', value: props.scanGate?.failOn ?? 'HIGH' },
                { name: 'SCAN_ALLOW', value: (props.scanGate?.allow ?? []).join(' ') },
              ]
            : []),
        ],
      },
      logsConfig: { cloudwatchLogs: { groupName: this.logGroup.name, status: 'ENABLED' } },
      dependsOn: [this.role.policy],
    });
  }
}
