import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../src/config/issue';
import { loadEnvironmentFiles, parseEnvironment } from '../src/environment/load';
import { verifyPlan } from '../src/verify';
import { TOOLING, doc, example, placeOf, resources, single, statement, synth } from './support';

const input = () => require('../config/example-s3.json');
const { json } = synth(input(), 'config/example-s3.json');
const topicArn = `arn:aws:sns:eu-west-1:${TOOLING}:orders-api-example-s3-pipeline`;

describe('notifications', () => {
  it('encrypts the topic with its own rotating key, publishable only through SNS', () => {
    const topic = single(json, 'aws_sns_topic');
    const keys = resources(json, 'aws_kms_key').filter(([n]) => n.startsWith('notifications'));
    expect(keys).toHaveLength(1);
    const [, key] = keys[0]!;
    expect(key.enable_key_rotation).toBe(true);
    expect(topic.kms_master_key_id).toMatch(/^\$\{aws_kms_key\.notifications_key_\w+\.arn\}$/);
    const service = statement(doc(key.policy), 'CodeStarNotificationsPublish');
    expect(service).toMatchObject({ Principal: { Service: 'codestar-notifications.amazonaws.com' }, Condition: { StringEquals: { 'kms:ViaService': 'sns.eu-west-1.amazonaws.com' } } });
  });

  it('lets only CodeStar Notifications of this account publish through the topic policy, over TLS', () => {
    const policy = doc(single(json, 'aws_sns_topic_policy').policy);
    expect(statement(policy, 'CodeStarNotificationsPublish')).toMatchObject({ Resource: topicArn, Condition: { StringEquals: { 'aws:SourceAccount': TOOLING } } });
    expect(statement(policy, 'DenyInsecureTransport').Effect).toBe('Deny');
  });

  it('notifies failures, successes and approvals to the topic, by email and in Slack', () => {
    const rule = single(json, 'aws_codestarnotifications_notification_rule');
    expect(rule.event_type_ids).toEqual([
      'codepipeline-pipeline-pipeline-execution-failed',
      'codepipeline-pipeline-pipeline-execution-succeeded',
      'codepipeline-pipeline-manual-approval-needed',
    ]);
    // CodeStar Notifications checks at creation that the topic policy lets it publish: it comes first. The
    // service-linked role is the service's to create, with the first rule of the account.
    const [policyName] = resources(json, 'aws_sns_topic_policy')[0]!;
    expect(rule.depends_on).toEqual([`aws_sns_topic_policy.${policyName}`]);
    expect(json.resource.aws_iam_service_linked_role).toBeUndefined();
    expect(single(json, 'aws_sns_topic_subscription')).toMatchObject({ protocol: 'email', endpoint: 'platform-team@example.com' });
    const slack = single(json, 'aws_chatbot_slack_channel_configuration');
    expect(slack).toMatchObject({ slack_team_id: 'T07EA123LEP', slack_channel_id: 'C07EZ1ABC23', guardrail_policy_arns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] });
    expect(placeOf(json, slack)).toEqual({ account: TOOLING, region: 'us-east-2' });
  });

  it('publishes the approval request with a link to the change sets', () => {
    const prod = single(json, 'aws_codepipeline').stage.find((s: any) => s.name === 'prod');
    const approval = prod.action.find((a: any) => a.category === 'Approval');
    expect(approval.configuration.NotificationArn).toBe(topicArn);
    expect(approval.configuration.ExternalEntityLink).toMatch(/^https:\/\/eu-west-1\.console\.aws\.amazon\.com\/cloudformation\/home\?region=eu-west-1#\/stacks\?filteringText=orders-api-example-s3-prod$/);
    const policy = doc(resources(json, 'aws_iam_role_policy').find(([n]) => n.startsWith('pipeline_role'))![1].policy);
    expect(statement(policy, 'PublishApprovalRequests').Resource).toBe(topicArn);
  });

  it('refuses the retired serviceLinkedRole field, saying what to do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cap-slr-'));
    const file = join(dir, 'old.json');
    writeFileSync(file, JSON.stringify({ ...input(), notifications: { ...input().notifications, serviceLinkedRole: 'create' } }, null, 2));
    expect(() => loadEnvironmentFiles([file])).toThrow(
      /old\.json: invalid environment config \(1 problem\)\n  \S+old\.json:\d+:\d+  notifications\.serviceLinkedRole: is no longer needed: CodeStar Notifications creates its service-linked role with the first rule of an account, and the stack never deletes it; remove this field/,
    );
  });

  it('fails verify when the rule no longer waits for the topic policy', async () => {
    const broken = JSON.parse(JSON.stringify(json));
    const [, rule] = resources(broken, 'aws_codestarnotifications_notification_rule')[0]!;
    rule.depends_on = [];
    const v = await verifyPlan('broken', broken);
    const failed = v.rules.filter((r) => !r.ok);
    expect(failed.map((r) => r.rule.id)).toEqual(['NOTIFICATION_RULE_ORDERED']);
    expect(failed[0]!.findings[0]!.message).toMatch(/does not depend on aws_sns_topic_policy\./);
  });

  it('fails verify when the topic is left without a customer-managed key', async () => {
    const broken = JSON.parse(JSON.stringify(json));
    const [, topic] = resources(broken, 'aws_sns_topic')[0]!;
    delete topic.kms_master_key_id;
    const v = await verifyPlan('broken', broken);
    expect(v.rules.filter((r) => !r.ok).map((r) => r.rule.id)).toEqual(['SNS_ENCRYPTED_CMK']);
  });

  it('creates nothing of this without a notifications block', () => {
    const { json: plain } = synth();
    expect(plain.resource.aws_sns_topic).toBeUndefined();
    expect(plain.resource.aws_codestarnotifications_notification_rule).toBeUndefined();
  });

  it('fails verify when the topic is opened to everyone or the pipeline cannot publish approvals', async () => {
    const open = JSON.parse(JSON.stringify(json));
    const [name, p] = resources(open, 'aws_sns_topic_policy')[0]!;
    const policy = doc(p.policy);
    delete statement(policy, 'CodeStarNotificationsPublish').Condition;
    open.resource.aws_sns_topic_policy[name].policy = JSON.stringify(policy);
    const v = await verifyPlan('open', open);
    expect(v.access.filter((a) => !a.ok).map((a) => a.why)).toContain('CodeStar Notifications of another account cannot publish');

    const mute = JSON.parse(JSON.stringify(json));
    const [roleName, rp] = resources(mute, 'aws_iam_role_policy').find(([n]) => n.startsWith('pipeline_role'))!;
    const rolePolicy = doc(rp.policy);
    rolePolicy.Statement = rolePolicy.Statement.filter((s) => s.Sid !== 'PublishApprovalRequests');
    mute.resource.aws_iam_role_policy[roleName].policy = JSON.stringify(rolePolicy);
    const v2 = await verifyPlan('mute', mute);
    expect(v2.access.filter((a) => !a.ok).map((a) => a.why)).toEqual(['pipeline role publishes approval requests']);
  });

  it('rejects a Slack channel without a workspace, and a bad email', () => {
    const issues = (notifications: object) => {
      try {
        parseEnvironment({ ...example(), notifications } as never, 'config/example.json');
      } catch (err) {
        return (err as ConfigError).issues;
      }
      throw new Error('expected a ConfigError');
    };
    expect(issues({ slack: { channelId: 'C07EZ1ABC23' } })).toEqual([{ path: 'notifications.slack.workspaceId', message: 'is required: Slack workspace authorized in the AWS Chatbot console.' }]);
    expect(issues({ emails: ['not-an-address'] })).toEqual([{ path: 'notifications.emails[0]', message: 'must be an email address' }]);
  });
});
