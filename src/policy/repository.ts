import { lambdaFunctionArn } from '../naming';
import { PolicyDocument, Statement, policy, rolesOnly } from './document';

/** What pulling an image takes; Lambda needs exactly these two on the repository of its region. */
export const IMAGE_PULL_ACTIONS = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];

/** Pushing an image layer by layer, reading its digest back and its scan findings. */
export const IMAGE_PUSH_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:BatchGetImage',
  'ecr:CompleteLayerUpload',
  'ecr:DescribeImageScanFindings',
  'ecr:DescribeImages',
  'ecr:GetDownloadUrlForLayer',
  'ecr:InitiateLayerUpload',
  'ecr:PutImage',
  'ecr:UploadLayerPart',
];

export interface RepositoryPolicyProps {
  /** Region of the repository (Lambda pulls only from its own region). */
  readonly region: string;
  /** Roles in target accounts that create or update functions from the image. */
  readonly pullers: readonly string[];
  /** Accounts whose Lambda functions in `region` run the image. Default: none (not a Lambda workload). */
  readonly functionAccounts?: readonly string[];
}

/**
 * Cross-account pulls need both the caller's own permission and this policy; repository policies take no
 * Resource element. The Lambda service pulls for the functions, limited to the target accounts' functions.
 */
export function repositoryPolicy(props: RepositoryPolicyProps): PolicyDocument {
  const statements: Statement[] = [{ Sid: 'TargetRolesPullImage', Effect: 'Allow', Action: IMAGE_PULL_ACTIONS, ...rolesOnly(props.pullers) }];
  if (props.functionAccounts?.length) {
    statements.push({
      Sid: 'LambdaPullsForTargetFunctions',
      Effect: 'Allow',
      Principal: { Service: 'lambda.amazonaws.com' },
      Action: IMAGE_PULL_ACTIONS,
      Condition: {
        StringLike: { 'aws:sourceArn': [...props.functionAccounts].sort().map((a) => lambdaFunctionArn(a, props.region, '*')) },
      },
    });
  }
  return policy(...statements);
}

/** Keeps the newest images and drops untagged leftovers, so deployed digests stay pullable for a long time. */
export function repositoryLifecyclePolicy(keepImages: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: 'Expire untagged images after 14 days',
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        description: `Keep the newest ${keepImages} images`,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: keepImages },
        action: { type: 'expire' },
      },
    ],
  });
}
