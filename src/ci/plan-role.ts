import { PolicyDocument, policy } from '../policy/document';

/**
 * What `terraform plan` reads to refresh this stack's resources, and nothing that changes anything: the
 * Describe/Get/List actions of the services the stack manages. Access levels are AWS's (Service Authorization
 * Reference); a test checks every action this allows is a Read or List action there.
 */
export const PLAN_READ_ACTIONS = [
  'chatbot:Describe*',
  'chatbot:Get*',
  'chatbot:List*',
  'codebuild:List*',
  'codeconnections:GetConnection',
  'codeconnections:ListConnections',
  'codeconnections:ListTagsForResource',
  'codepipeline:GetPipeline',
  'codepipeline:ListPipelines',
  'codepipeline:ListTagsForResource',
  'codepipeline:ListWebhooks',
  'codestar-connections:GetConnection',
  'codestar-connections:ListConnections',
  'codestar-connections:ListTagsForResource',
  'codestar-notifications:Describe*',
  'codestar-notifications:List*',
  'ecr:DescribeRepositories',
  'ecr:GetLifecyclePolicy',
  'ecr:GetRepositoryPolicy',
  'ecr:ListTagsForResource',
  'iam:Get*',
  'iam:List*',
  'kms:Describe*',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:List*',
  'lambda:GetFunctionCodeSigningConfig',
  'lambda:GetPolicy',
  'lambda:ListVersionsByFunction',
  'lambda:ListTags',
  'logs:DescribeLogGroups',
  'logs:ListTagsForResource',
  'logs:ListTagsLogGroup',
  's3:GetAccelerateConfiguration',
  's3:GetBucket*',
  's3:GetEncryptionConfiguration',
  's3:GetLifecycleConfiguration',
  's3:GetReplicationConfiguration',
  'sns:GetSubscriptionAttributes',
  'sns:GetTopicAttributes',
  'sns:ListSubscriptionsByTopic',
  'sns:ListTagsForResource',
  'sts:GetCallerIdentity',
] as const;

/**
 * Reads that return data rather than configuration: denied outright, so no later change to the allow list
 * lets a pull request read objects, decrypt, fetch secrets or pull images.
 */
export const PLAN_DENIED_DATA_READS = [
  'codeconnections:GetConnectionToken',
  'codestar-connections:GetConnectionToken',
  'ecr:BatchGetImage',
  'ecr:GetDownloadUrlForLayer',
  'iam:GetAccountAuthorizationDetails',
  'iam:GetCredentialReport',
  'kms:Decrypt',
  's3:GetObject*',
  'secretsmanager:GetSecretValue',
  'ssm:GetParameter*',
] as const;

/**
 * Reads that return data of a resource (a function's code link and environment, a build's plaintext
 * variables, a bucket's object names): allowed only on this environment's own resources.
 */
export const PLAN_OWN_RESOURCE_READS = ['codebuild:BatchGetProjects', 'lambda:GetFunction', 'lambda:GetFunctionConfiguration', 's3:ListBucket'] as const;

/** The permission policy of the plan role in an account, for the environment whose names start with `prefix`. */
export function planRolePolicy(account: string, prefix: string): PolicyDocument {
  return policy(
    { Sid: 'RefreshStackResources', Effect: 'Allow', Action: [...PLAN_READ_ACTIONS], Resource: '*' },
    {
      Sid: 'RefreshOwnResourcesWithData',
      Effect: 'Allow',
      Action: [...PLAN_OWN_RESOURCE_READS],
      Resource: [`arn:aws:codebuild:*:${account}:project/${prefix}-*`, `arn:aws:lambda:*:${account}:function:${prefix}-*`, `arn:aws:s3:::${prefix}-*`],
    },
    { Sid: 'NeverReadData', Effect: 'Deny', Action: [...PLAN_DENIED_DATA_READS], Resource: '*' },
  );
}
