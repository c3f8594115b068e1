import { lambdaFunctionArn } from '../model/naming';
import { Organization, PolicyDocument, Statement, grantToRoles, policy } from './document';

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
  /** Lambda functions that run the image: their accounts and their names. Default: none (not a Lambda workload). */
  readonly functions?: { readonly accounts: readonly string[]; readonly names: readonly string[] };
  /** The organization of the target accounts: pulls granted to it instead of to each account. @default each account */
  readonly organization?: Organization;
}

/**
 * Cross-account pulls need both the caller's own permission and this policy; repository policies take no
 * Resource element. The Lambda service pulls for the functions: AWS's documented statement names the functions
 * by `aws:sourceArn` (Lambda Developer Guide, "Amazon ECR cross-account permissions"), which takes one ARN
 * pattern per account and overflows the 10,240-character policy at about 150 accounts. The functions are named
 * here instead (their names are the stack names, in any account), and their accounts by `aws:SourceAccount`
 * (one account id each), which a service sends with the source ARN; `IfExists`, so that a request without it
 * still needs a function of ours by name, created by a role the first statement lets pull (Lambda checks that
 * the caller of CreateFunction may pull the image). docs/security.md, "Grants by account and role name, and Lambda pulls".
 */
export function repositoryPolicy(props: RepositoryPolicyProps): PolicyDocument {
  const { organization } = props;
  const statements: Statement[] = grantToRoles({ Sid: 'TargetRolesPullImage', Effect: 'Allow', Action: IMAGE_PULL_ACTIONS }, props.pullers, { by: 'condition', ...(organization ? { organization } : {}) });
  if (props.functions?.accounts.length) {
    const sorted = (values: readonly string[]) => [...new Set(values)].sort();
    statements.push({
      Sid: 'LambdaPullsForTargetFunctions',
      Effect: 'Allow',
      Principal: { Service: 'lambda.amazonaws.com' },
      Action: IMAGE_PULL_ACTIONS,
      Condition: {
        StringLike: { 'aws:sourceArn': sorted(props.functions.names).map((name) => lambdaFunctionArn('*', props.region, name)) },
        // In an organization, the functions' accounts are its accounts. `aws:SourceOrgID` (and `aws:SourceOrgPaths`)
        // are what a service acting for a resource sends of the resource's account's organization (IAM global
        // condition keys); a request without them (an account in no organization) must not pass, so no `IfExists`:
        // if Lambda ever sent none, image pulls would fail at the first deploy, never widen (docs/security.md).
        ...(organization
          ? {
              StringEquals: { 'aws:SourceOrgID': organization.id },
              ...(organization.paths?.length ? { 'ForAnyValue:StringLike': { 'aws:SourceOrgPaths': organization.paths.map((path) => `${path}*`) } } : {}),
            }
          : { StringEqualsIfExists: { 'aws:SourceAccount': sorted(props.functions.accounts) } }),
      },
    });
  }
  return policy(...statements);
}

/** Tag prefix of every image the build pushes (build/publish-image.sh). */
export const BUILD_TAG_PREFIX = 'build-';
/** Tag prefix the build adds to a digest once it passed every check: what any stage can deploy. */
export const RELEASE_TAG_PREFIX = 'release-';
/**
 * ECR's default quota of images per repository (Amazon ECR service quotas, "Images per repository":
 * 100,000, adjustable). A count rule that keeps this many never expires anything it selects.
 */
export const IMAGES_PER_REPOSITORY_QUOTA = 100_000;

/**
 * Released digests are never expired; only unpromoted build images (failed a gate, or superseded before
 * promotion) and untagged leftovers are. ECR applies rules by priority and "an image that matches the tagging
 * requirements of a higher priority rule cannot be expired by a rule with a lower priority" (Amazon ECR User
 * Guide, "How lifecycle policies work"), so the keep rule for released images must come first.
 */
export function repositoryLifecyclePolicy(keepBuildImages: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: 'Never expire released images: a stage may run them',
        selection: { tagStatus: 'tagged', tagPrefixList: [RELEASE_TAG_PREFIX], countType: 'imageCountMoreThan', countNumber: IMAGES_PER_REPOSITORY_QUOTA },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        description: `Keep the newest ${keepBuildImages} unpromoted build images`,
        selection: { tagStatus: 'tagged', tagPrefixList: [BUILD_TAG_PREFIX], countType: 'imageCountMoreThan', countNumber: keepBuildImages },
        action: { type: 'expire' },
      },
      {
        rulePriority: 3,
        description: 'Expire untagged images after 14 days',
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
        action: { type: 'expire' },
      },
    ],
  });
}
