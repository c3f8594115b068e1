import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CodebuildProject } from '@cdktf/provider-aws/lib/codebuild-project';
import { CodebuildWebhook } from '@cdktf/provider-aws/lib/codebuild-webhook';
import { codeBuildTrust, policy, writeLogs } from '../policy/document';
import { cloneThroughConnection } from '../policy/roles';
import { CodeBuildProjectProps } from './pipeline-project';
import { Role } from './role';

export interface PullRequestBuildProps extends CodeBuildProjectProps {
  /** Key of the pipeline region's artifact store: CloudWatch Logs encrypts the build logs with it (the build role cannot use it). */
  readonly keyArn: string;
  /** GitHub owner/repository. */
  readonly repository: string;
  /** Pull requests into this branch are built. */
  readonly baseBranch: string;
  /** The buildspec's text, held in the project: a pull request's own tree cannot change how it is built. */
  readonly buildspec: string;
  /** Pull requests that wait for a maintainer's approving comment. @default 'ALL_PULL_REQUESTS' */
  readonly commentApproval?: 'ALL_PULL_REQUESTS' | 'FORK_PULL_REQUESTS' | 'DISABLED';
  /** Build only pull requests by these GitHub account ids. @default every author */
  readonly actors?: readonly string[];
}

/**
 * Builds and tests every pull request into the pipeline branch, and reports the status to GitHub. It never
 * deploys: no artifacts, no registry, no deploy role; pull requests wait for a maintainer's approving comment
 * (`commentApproval`). Its connection must be AVAILABLE at apply: the webhook is created through it.
 */
export class PullRequestBuild extends Construct {
  readonly project: CodebuildProject;

  constructor(scope: Construct, id: string, props: PullRequestBuildProps) {
    super(scope, id);
    const { provider, account } = props;
    const logs = new CloudwatchLogGroup(this, 'logs', { provider, name: props.logGroupName, retentionInDays: 90, kmsKeyId: props.keyArn });
    const role = new Role(this, 'role', {
      provider,
      account,
      roleName: props.roleName,
      description: 'Builds and tests pull requests; cannot deploy',
      trustPolicy: codeBuildTrust(account),
      permissions: policy(
        writeLogs(account, props.region, props.logGroupName),
        cloneThroughConnection(props.connectionArn),
      ),
    });
    this.project = new CodebuildProject(this, 'project', {
      provider,
      name: props.projectName,
      description: `Builds and tests pull requests into ${props.baseBranch}; never deploys`,
      serviceRole: role.role.arn,
      // No encryption_key: the project writes no artifact, and naming the artifacts key would take a grant of
      // that key to code nobody has reviewed yet.
      buildTimeout: 30,
      source: {
        type: 'GITHUB',
        location: `https://github.com/${props.repository}.git`,
        buildspec: props.buildspec,
        reportBuildStatus: true,
        auth: { type: 'CODECONNECTIONS', resource: props.connectionArn },
      },
      artifacts: { type: 'NO_ARTIFACTS' },
      environment: { type: 'LINUX_CONTAINER', computeType: 'BUILD_GENERAL1_SMALL', image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0' },
      logsConfig: { cloudwatchLogs: { groupName: logs.name, status: 'ENABLED' } },
      dependsOn: [role.policy],
    });
    new CodebuildWebhook(this, 'webhook', {
      provider,
      projectName: this.project.name,
      buildType: 'BUILD',
      filterGroup: [
        {
          filter: [
            { type: 'EVENT', pattern: 'PULL_REQUEST_CREATED, PULL_REQUEST_UPDATED, PULL_REQUEST_REOPENED' },
            { type: 'BASE_REF', pattern: `^refs/heads/${props.baseBranch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$` },
            ...(props.actors?.length ? [{ type: 'ACTOR_ACCOUNT_ID', pattern: `^(${props.actors.join('|')})$` }] : []),
          ],
        },
      ],
      // Unreviewed code runs only after a maintainer comments to approve it: every pull request by default, as AWS
      // recommends (CodeBuild User Guide, "Best practices for using webhooks").
      pullRequestBuildPolicy: { requiresCommentApproval: props.commentApproval ?? 'ALL_PULL_REQUESTS', approverRoles: ['GITHUB_MAINTAIN', 'GITHUB_ADMIN'] },
    });
  }
}
