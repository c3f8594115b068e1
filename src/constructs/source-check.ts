import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CodebuildProject } from '@cdktf/provider-aws/lib/codebuild-project';
import { codeBuildTrust } from '../policy/document';
import { sourceCheckRolePolicy } from '../policy/roles';
import { sourceCheckBuildspec } from '../model/source-check';
import { PipelineProjectProps } from './pipeline-project';
import { Role } from './role';

export interface SourceCheckProps extends PipelineProjectProps {
  /** The pipeline's branch: the commit must be reachable from its head. */
  readonly branch: string;
}

/**
 * The first action of the Build stage: CodeBuild refuses to go on unless the source commit is reachable from the
 * pipeline's branch. Anyone allowed `codepipeline:StartPipelineExecution` may override the source revision with
 * any commit of the repository, reviewed or not; this keeps such a commit from ever being built or deployed. Its
 * role reads the source artifact and clones through the connection, nothing else.
 */
export class SourceCheck extends Construct {
  readonly project: CodebuildProject;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: SourceCheckProps) {
    super(scope, id);
    const { provider, account, region } = props;
    const logs = new CloudwatchLogGroup(this, 'logs', { provider, name: props.logGroupName, retentionInDays: 90, kmsKeyId: props.store.keyArn });
    this.role = new Role(this, 'role', {
      provider,
      account,
      roleName: props.roleName,
      description: 'Checks that the pipeline source commit is on the pipeline branch',
      trustPolicy: codeBuildTrust(account),
      permissions: sourceCheckRolePolicy({ account, region, store: props.store, logGroup: props.logGroupName, connectionArn: props.connectionArn }),
    });
    this.project = new CodebuildProject(this, 'project', {
      provider,
      name: props.projectName,
      description: `Refuses a source commit that is not on ${props.branch}`,
      serviceRole: this.role.role.arn,
      // It writes no output artifact; the pipeline's key keeps CodeBuild off aws/s3 all the same.
      encryptionKey: props.store.keyArn,
      buildTimeout: 10,
      source: { type: 'CODEPIPELINE', buildspec: sourceCheckBuildspec() },
      artifacts: { type: 'CODEPIPELINE' },
      environment: {
        type: 'LINUX_CONTAINER',
        computeType: 'BUILD_GENERAL1_SMALL',
        image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0',
        environmentVariable: [{ name: 'SOURCE_BRANCH', value: props.branch }],
      },
      logsConfig: { cloudwatchLogs: { groupName: logs.name, status: 'ENABLED' } },
      dependsOn: [this.role.policy],
    });
  }
}
