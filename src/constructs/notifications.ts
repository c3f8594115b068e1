import { Construct } from 'constructs';
import { ITerraformDependable, TerraformProvider } from 'cdktf';
import { ChatbotSlackChannelConfiguration } from '@cdktf/provider-aws/lib/chatbot-slack-channel-configuration';
import { CodestarnotificationsNotificationRule } from '@cdktf/provider-aws/lib/codestarnotifications-notification-rule';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { notificationKeyPolicy, notificationTopicPolicy } from '../policy/notifications';
import { policy, serviceTrust } from '../policy/document';
import { Role } from './role';
import { topicArn } from '../model/naming';
import { resourcePolicyJson } from '../policy/limits';

/** Pipeline events that notify: a failure, a success, a change waiting for approval. */
export const PIPELINE_EVENTS = [
  'codepipeline-pipeline-pipeline-execution-failed',
  'codepipeline-pipeline-pipeline-execution-succeeded',
  'codepipeline-pipeline-manual-approval-needed',
];

export interface NotificationsProps {
  /** Provider of the tooling account in the pipeline region. */
  readonly provider: TerraformProvider;
  readonly account: string;
  readonly region: string;
  readonly topicName: string;
  readonly keyAlias: string;
  /** The pipeline role: it publishes the approval requests. */
  readonly pipelineRoleArn: string;
  /** Email addresses subscribed to the topic. Default: none. */
  readonly emails?: readonly string[];
  /** Slack through AWS Chatbot. Default: none. */
  readonly slack?: {
    /** Provider of the tooling account in a region with the AWS Chatbot API. */
    readonly provider: TerraformProvider;
    readonly workspaceId: string;
    readonly channelId: string;
    readonly roleName: string;
  };
}

/**
 * Where the pipeline tells people what happens: an SNS topic encrypted with its own CMK that only
 * CodeStar Notifications (for this account) and the pipeline role may publish to, email subscriptions,
 * and optionally a Slack channel through AWS Chatbot.
 */
export class Notifications extends Construct {
  readonly topic: SnsTopic;
  readonly key: KmsKey;
  /** Topic ARN, known before apply (the approval actions name it). */
  readonly topicArn: string;
  private readonly ruleDependencies: ITerraformDependable[];
  private readonly props: NotificationsProps;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    const { provider, account, region } = props;
    this.topicArn = topicArn(account, region, props.topicName);
    this.key = new KmsKey(this, 'key', {
      provider,
      description: `Pipeline notifications (${props.topicName})`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: resourcePolicyJson('key', this.node.path, notificationKeyPolicy({ account, region, publishers: [props.pipelineRoleArn] })),
    });
    new KmsAlias(this, 'alias', { provider, name: props.keyAlias, targetKeyId: this.key.keyId });
    this.topic = new SnsTopic(this, 'topic', { provider, name: props.topicName, kmsMasterKeyId: this.key.arn });
    const topicPolicy = new SnsTopicPolicy(this, 'policy', {
      provider,
      arn: this.topic.arn,
      policy: resourcePolicyJson('topic', this.node.path, notificationTopicPolicy({ account, topicArn: this.topicArn })),
    });
    (props.emails ?? []).forEach((email, i) => {
      new SnsTopicSubscription(this, `email-${i}`, { provider, topicArn: this.topic.arn, protocol: 'email', endpoint: email });
    });
    // CodeStar Notifications checks at creation that it may publish to the topic. Its service-linked role is
    // "created for you the first time you create a notification rule" (AWS CodeStar Notifications User Guide,
    // "Using service-linked roles") only where the account has none: the stack never owns it, so a destroy
    // cannot delete a role other rules of a shared tooling account rely on.
    this.ruleDependencies = [topicPolicy];
    this.props = props;
  }

  /**
   * Notifies the pipeline's events to the topic (and Slack). Separate from construction because the
   * pipeline needs the topic first (its approvals publish there) and the rule needs the pipeline.
   */
  notifyOn(pipelines: ReadonlyArray<{ readonly name: string; readonly arn: string }>): void {
    const { props } = this;
    const { provider, account } = props;
    // A rule watches one resource: one a pipeline of the chain.
    pipelines.forEach((pipeline, i) => {
      new CodestarnotificationsNotificationRule(this, i === 0 ? 'rule' : `rule-${i + 1}`, {
        provider,
        name: i === 0 ? props.topicName : `${props.topicName}-${i + 1}`,
        detailType: 'FULL',
        eventTypeIds: PIPELINE_EVENTS,
        resource: pipeline.arn,
        target: [{ address: this.topic.arn, type: 'SNS' }],
        dependsOn: this.ruleDependencies,
      });
    });
    if (props.slack) {
      const chatbot = new Role(this, 'chatbot-role', {
        provider: props.slack.provider,
        account,
        roleName: props.slack.roleName,
        description: 'AWS Chatbot: read the state of the pipeline it reports on',
        trustPolicy: serviceTrust('chatbot.amazonaws.com'),
        permissions: policy({
          Sid: 'ReadPipelineState',
          Effect: 'Allow',
          Action: ['codepipeline:GetPipeline', 'codepipeline:GetPipelineExecution', 'codepipeline:GetPipelineState', 'codepipeline:ListPipelineExecutions'],
          Resource: pipelines.length === 1 ? pipelines[0]!.arn : pipelines.map((p) => p.arn),
        }),
      });
      new ChatbotSlackChannelConfiguration(this, 'slack', {
        provider: props.slack.provider,
        configurationName: props.topicName,
        iamRoleArn: chatbot.role.arn,
        slackTeamId: props.slack.workspaceId,
        slackChannelId: props.slack.channelId,
        snsTopicArns: [this.topic.arn],
        // Caps what anyone can do through the channel, whatever the role allows.
        guardrailPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
      });
    }
  }
}
