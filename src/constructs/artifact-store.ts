import { Construct } from 'constructs';
import { TerraformProvider } from 'cdktf';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { NAME_LIMITS, bucketArn } from '../model/naming';
import { StoreArns, artifactBucketPolicy, artifactKeyPolicy } from '../policy/artifacts';
import type { Organization } from '../policy/document';
import { resourcePolicyJson } from '../policy/limits';

export interface ArtifactStoreProps {
  /** Provider of the tooling account in the store's region. */
  readonly provider: TerraformProvider;
  /** Tooling account id (owner of the key and bucket). */
  readonly account: string;
  /** Region of the store. */
  readonly region: string;
  /** Globally unique bucket name (at most 63 characters). */
  readonly bucketName: string;
  /** Alias of the key, `alias/...`. */
  readonly keyAlias: string;
  /** Roles that put and get artifacts in this region. */
  readonly writers: readonly string[];
  /** Roles that only get artifacts in this region. Default: none. */
  readonly readers?: readonly string[];
  /** Log groups in this region that CloudWatch Logs may encrypt with the key. Default: none. */
  readonly logGroups?: readonly string[];
  /** The organization of the readers' accounts: reads granted to it instead of each account. @default each account */
  readonly organization?: Organization;
  /** Days a replaced artifact version is kept. Default: 30. */
  readonly noncurrentVersionDays?: number;
  /** Days before the key is deleted once scheduled. Default: 30 (the maximum). */
  readonly keyDeletionWindowDays?: number;
}

/**
 * One regional CodePipeline artifact store: a bucket encrypted with its own customer-managed key.
 * Keys are regional, so every region with a pipeline action gets one of these.
 */
export class ArtifactStore extends Construct implements StoreArns {
  readonly bucket: S3Bucket;
  readonly key: KmsKey;
  readonly policy: S3BucketPolicy;
  readonly bucketArn: string;
  readonly keyArn: string;
  readonly region: string;
  readonly bucketName: string;
  private readonly props: ArtifactStoreProps;

  constructor(scope: Construct, id: string, props: ArtifactStoreProps) {
    super(scope, id);
    if (props.bucketName.length > NAME_LIMITS.s3Bucket) {
      throw new Error(`ArtifactStore ${this.node.path}: bucket name "${props.bucketName}" exceeds ${NAME_LIMITS.s3Bucket} characters`);
    }
    if (props.writers.length === 0) {
      throw new Error(`ArtifactStore ${this.node.path}: give at least one writer role (the pipeline role)`);
    }
    const provider = props.provider;
    this.region = props.region;
    this.bucketName = props.bucketName;
    this.props = props;

    this.key = new KmsKey(this, 'key', {
      provider,
      description: `CodePipeline artifacts in ${props.region} (${props.bucketName})`,
      enableKeyRotation: true,
      deletionWindowInDays: props.keyDeletionWindowDays ?? 30,
      policy: resourcePolicyJson('key', `${this.node.path} (${props.region})`, artifactKeyPolicy(props)),
    });
    new KmsAlias(this, 'alias', { provider, name: props.keyAlias, targetKeyId: this.key.keyId });
    this.keyArn = this.key.arn;

    this.bucket = new S3Bucket(this, 'bucket', { provider, bucket: props.bucketName });
    const bucket = this.bucket.id;
    this.bucketArn = bucketArn(props.bucketName);

    new S3BucketOwnershipControls(this, 'ownership', {
      provider,
      bucket,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    new S3BucketPublicAccessBlock(this, 'public-access-block', {
      provider,
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketVersioningA(this, 'versioning', { provider, bucket, versioningConfiguration: { status: 'Enabled' } });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      provider,
      bucket,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: this.key.arn },
          bucketKeyEnabled: true,
        },
      ],
    });
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      provider,
      bucket,
      rule: [
        {
          id: 'expire-replaced-artifacts',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionDays ?? 30 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
          expiration: [{ expiredObjectDeleteMarker: true }],
        },
      ],
    });
    this.policy = new S3BucketPolicy(this, 'policy', {
      provider,
      bucket,
      policy: resourcePolicyJson('bucket', `${this.node.path} (${props.bucketName})`, artifactBucketPolicy({ ...props, bucketArn: this.bucketArn })),
    });
  }

  /** Keeps the objects under `prefix` to `writer` alone: the store then holds a pipeline chain's releases. */
  holdReleases(prefix: string, writer: string): void {
    this.policy.policy = resourcePolicyJson('bucket', `${this.node.path} (${this.bucketName})`, artifactBucketPolicy({ ...this.props, bucketArn: this.bucketArn, releases: { prefix, writer } }));
  }
}
