import { accountRoot } from '../model/naming';
import { KEY_ADMIN_ACTIONS } from './artifacts';
import { PolicyDocument, grantToRoles, policy } from './document';

const PUBLISH_KMS = ['kms:Decrypt', 'kms:GenerateDataKey*'];

/** CodeStar Notifications' service principal, also the name of its service-linked role's service. */
export const CODESTAR_NOTIFICATIONS_SERVICE = 'codestar-notifications.amazonaws.com';

/** The notification topic's key: administered by its account, used only to publish (through SNS) by CodeStar Notifications and the given roles. */
export function notificationKeyPolicy(props: { account: string; region: string; publishers: readonly string[] }): PolicyDocument {
  const viaSns = { StringEquals: { 'kms:ViaService': `sns.${props.region}.amazonaws.com` } };
  return policy(
    { Sid: 'KeyAdministrationByOwnerAccount', Effect: 'Allow', Principal: { AWS: accountRoot(props.account) }, Action: KEY_ADMIN_ACTIONS, Resource: '*' },
    {
      Sid: 'CodeStarNotificationsPublish',
      Effect: 'Allow',
      Principal: { Service: CODESTAR_NOTIFICATIONS_SERVICE },
      Action: PUBLISH_KMS,
      Resource: '*',
      Condition: viaSns,
    },
    ...grantToRoles({ Sid: 'RolesPublish', Effect: 'Allow', Action: PUBLISH_KMS, Resource: '*', Condition: viaSns }, props.publishers),
  );
}

/** Only CodeStar Notifications for this account publishes through the resource policy; everything needs TLS. */
export function notificationTopicPolicy(props: { account: string; topicArn: string }): PolicyDocument {
  return policy(
    {
      Sid: 'CodeStarNotificationsPublish',
      Effect: 'Allow',
      Principal: { Service: CODESTAR_NOTIFICATIONS_SERVICE },
      Action: 'sns:Publish',
      Resource: props.topicArn,
      Condition: { StringEquals: { 'aws:SourceAccount': props.account } },
    },
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 'sns:Publish',
      Resource: props.topicArn,
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
  );
}
