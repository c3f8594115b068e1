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
  'codebuild:BatchGetProjects',
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
  'lambda:GetFunction',
  'lambda:GetFunctionCodeSigningConfig',
  'lambda:GetFunctionConfiguration',
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
  's3:ListBucket',
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
  'kms:Decrypt',
  's3:GetObject*',
  'secretsmanager:GetSecretValue',
  'ssm:GetParameter*',
] as const;

/** The permission policy of the plan role in every account. */
export function planRolePolicy(): PolicyDocument {
  return policy(
    { Sid: 'RefreshStackResources', Effect: 'Allow', Action: [...PLAN_READ_ACTIONS], Resource: '*' },
    { Sid: 'NeverReadData', Effect: 'Deny', Action: [...PLAN_DENIED_DATA_READS], Resource: '*' },
  );
}
