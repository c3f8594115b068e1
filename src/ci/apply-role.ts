import { policyArn, roleArn } from '../model/naming';
import type { EnvironmentBoundaries } from '../policy/boundaries';
import { PolicyDocument, policy } from '../policy/document';
import { CODESTAR_NOTIFICATIONS_SERVICE } from '../policy/notifications';

/** Services whose resources the stack creates under names AWS assigns (keys, pipelines' webhooks, topics...). */
const MANAGED_SERVICES = ['chatbot', 'codebuild', 'codeconnections', 'codepipeline', 'codestar-connections', 'codestar-notifications', 'kms', 'lambda', 'logs', 'sns'];


/**
 * The apply role of one account: what it takes to create, change and destroy this environment's resources.
 * IAM (the way to more rights) and S3 (the way to data) are limited to names of this environment
 * (`<prefix>-*`). Every role it creates or grants to carries the environment's role boundary, which it can neither
 * change nor remove, and it attaches only the environment's own managed policies: it cannot mint an administrator
 * (docs/security.md). It can never change `ciRoles`, the roles CI itself runs as, or the two boundaries.
 */
export function applyRolePolicy(account: string, prefix: string, ciRoles: readonly string[], boundaries: EnvironmentBoundaries): PolicyDocument {
  const roles = roleArn(account, `${prefix}-*`);
  const policies = policyArn(account, `${prefix}-*`);
  const withBoundary = { 'iam:PermissionsBoundary': boundaries.roles };
  return policy(
    {
      // Terraform names the boundary in CreateRole (permissions_boundary), so a role is never without it.
      Sid: 'CreateEnvironmentRolesWithinBoundary',
      Effect: 'Allow',
      Action: ['iam:CreateRole', 'iam:PutRolePermissionsBoundary', 'iam:PutRolePolicy'],
      Resource: roles,
      Condition: { StringEquals: withBoundary },
    },
    {
      // Permissions past a role's inline quota go to managed policies `<role>-permissions-<n>` (src/policy/limits.ts).
      Sid: 'AttachEnvironmentPoliciesWithinBoundary',
      Effect: 'Allow',
      Action: 'iam:AttachRolePolicy',
      Resource: roles,
      Condition: { StringEquals: withBoundary, ArnLike: { 'iam:PolicyARN': policies } },
    },
    {
      Sid: 'ManageEnvironmentRoles',
      Effect: 'Allow',
      Action: ['iam:DeleteRole', 'iam:DeleteRolePolicy', 'iam:DetachRolePolicy', 'iam:PassRole', 'iam:TagRole', 'iam:UntagRole', 'iam:UpdateAssumeRolePolicy', 'iam:UpdateRole', 'iam:UpdateRoleDescription'],
      Resource: roles,
    },
    {
      Sid: 'ManageEnvironmentPolicies',
      Effect: 'Allow',
      Action: ['iam:CreatePolicy', 'iam:CreatePolicyVersion', 'iam:DeletePolicy', 'iam:DeletePolicyVersion', 'iam:TagPolicy', 'iam:UntagPolicy'],
      Resource: policies,
    },
    { Sid: 'NeverChangeCiRolesOrBoundaries', Effect: 'Deny', Action: 'iam:*', Resource: [...ciRoles, boundaries.roles, boundaries.workload] },
    { Sid: 'ReadIam', Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' },
    {
      // "This role is created for you the first time you create a notification rule" (AWS CodeStar Notifications
      // User Guide, "Using service-linked roles"), with the caller's rights. Never deleted: other rules of the
      // account may rely on it.
      Sid: 'CodeStarNotificationsServiceLinkedRole',
      Effect: 'Allow',
      Action: 'iam:CreateServiceLinkedRole',
      Resource: roleArn(account, `aws-service-role/${CODESTAR_NOTIFICATIONS_SERVICE}/*`),
      Condition: { StringEquals: { 'iam:AWSServiceName': CODESTAR_NOTIFICATIONS_SERVICE } },
    },
    {
      Sid: 'ManageEnvironmentBuckets',
      Effect: 'Allow',
      Action: 's3:*',
      Resource: [`arn:aws:s3:::${prefix}-*`, `arn:aws:s3:::${prefix}-*/*`],
    },
    { Sid: 'ManageEnvironmentRepositories', Effect: 'Allow', Action: 'ecr:*', Resource: `arn:aws:ecr:*:${account}:repository/${prefix}` },
    { Sid: 'ManageStackServices', Effect: 'Allow', Action: MANAGED_SERVICES.map((s) => `${s}:*`), Resource: '*' },
  );
}
