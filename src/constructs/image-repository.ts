import { Construct } from 'constructs';
import { TerraformProvider } from 'cdktf';
import { EcrLifecyclePolicy } from '@cdktf/provider-aws/lib/ecr-lifecycle-policy';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { EcrRepositoryPolicy } from '@cdktf/provider-aws/lib/ecr-repository-policy';
import { repositoryArn } from '../model/naming';
import { repositoryLifecyclePolicy, repositoryPolicy } from '../policy/repository';
import { resourcePolicyJson } from '../policy/limits';

export interface ImageRepositoryProps {
  /** Provider of the tooling account in the repository's region. */
  readonly provider: TerraformProvider;
  /** Tooling account id. */
  readonly account: string;
  /** Region of the repository: the region of the functions that run the image. */
  readonly region: string;
  /** Repository name. */
  readonly repositoryName: string;
  /** Roles in target accounts that pull the image (Lambda creators or ECS task execution roles). */
  readonly pullers: readonly string[];
  /** Lambda functions in this region that run the image: their accounts and names. @default none (not a Lambda workload) */
  readonly functions?: { readonly accounts: readonly string[]; readonly names: readonly string[] };
  /** Number of newest unpromoted build images kept; released images are never expired. @default 20 */
  readonly keepBuildImages?: number;
}

/**
 * An image repository in one deploy region of the tooling account. Lambda pulls container images only
 * from a repository in its own region, so every deploy region has one and the build pushes to each.
 *
 * Images are encrypted with ECR's AES-256 rather than a CMK: a cross-account Lambda function cannot
 * decrypt an image under another account's CMK without extra grants (see docs/security.md, "Security defaults").
 */
export class ImageRepository extends Construct {
  readonly repository: EcrRepository;
  readonly policy: EcrRepositoryPolicy;
  /** Repository ARN, known before apply. */
  readonly arn: string;
  readonly region: string;
  /** Repository URI (a reference, so users of it wait for the repository). */
  readonly uri: string;

  constructor(scope: Construct, id: string, props: ImageRepositoryProps) {
    super(scope, id);
    const keepBuildImages = props.keepBuildImages ?? 20;
    if (!Number.isInteger(keepBuildImages) || keepBuildImages < 1) {
      throw new Error(`ImageRepository ${this.node.path}: keepBuildImages must be a positive whole number (got ${keepBuildImages})`);
    }
    const provider = props.provider;
    this.repository = new EcrRepository(this, 'repository', {
      provider,
      name: props.repositoryName,
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: 'AES256' }],
    });
    this.arn = repositoryArn(props.account, props.region, props.repositoryName);
    this.region = props.region;
    this.uri = this.repository.repositoryUrl;
    this.policy = new EcrRepositoryPolicy(this, 'policy', {
      provider,
      repository: this.repository.name,
      policy: resourcePolicyJson('repository', `${this.node.path} (${props.repositoryName}, ${props.region})`, repositoryPolicy(props)),
    });
    new EcrLifecyclePolicy(this, 'lifecycle', {
      provider,
      repository: this.repository.name,
      policy: repositoryLifecyclePolicy(keepBuildImages),
    });
  }
}
