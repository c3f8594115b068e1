import { PolicyDocument, policy } from '../policy/document';

/** Services whose resources the stack creates under names AWS assigns (keys, pipelines' webhooks, topics...). */
const MANAGED_SERVICES = ['chatbot', 'codebuild', 'codeconnections', 'codepipeline', 'codestar-connections', 'codestar-notifications', 'kms', 'lambda', 'logs', 'sns'];

/** What the stack does to its own roles and managed policies: no managed policy is ever attached to a role. */
const IAM_ACTIONS = [
  'iam:CreatePolicy', 'iam:CreatePolicyVersion', 'iam:CreateRole', 'iam:DeletePolicy', 'iam:DeletePolicyVersion', 'iam:DeleteRole',
  'iam:DeleteRolePolicy', 'iam:PassRole', 'iam:PutRolePolicy', 'iam:TagPolicy', 'iam:TagRole', 'iam:UntagPolicy', 'iam:UntagRole',
  'iam:UpdateAssumeRolePolicy', 'iam:UpdateRole', 'iam:UpdateRoleDescription',
];

/**
 * The apply role of one account: what it takes to create, change and destroy this environment's resources.
 * IAM (the way to more rights) and S3 (the way to data) are limited to names of this environment
 * (`<prefix>-*`): it cannot create or pass any other role or attach a managed policy (AdministratorAccess), and it
 * can never change `ciRoles`, the roles CI itself runs as.
 */
export function applyRolePolicy(account: string, prefix: string, ciRoles: readonly string[]): PolicyDocument {
  return policy(
    {
      Sid: 'ManageEnvironmentRolesAndPolicies',
      Effect: 'Allow',
      Action: IAM_ACTIONS,
      Resource: [`arn:aws:iam::${account}:role/${prefix}-*`, `arn:aws:iam::${account}:policy/${prefix}-*`],
    },
    { Sid: 'NeverChangeCiRoles', Effect: 'Deny', Action: 'iam:*', Resource: [...ciRoles] },
    { Sid: 'ReadIam', Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' },
    {
      Sid: 'CodeStarNotificationsServiceLinkedRole',
      Effect: 'Allow',
      Action: ['iam:CreateServiceLinkedRole', 'iam:DeleteServiceLinkedRole', 'iam:GetServiceLinkedRoleDeletionStatus'],
      Resource: `arn:aws:iam::${account}:role/aws-service-role/codestar-notifications.amazonaws.com/*`,
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
