import { accountRoot, logGroupArn } from '../model/naming';
import { Organization, PolicyDocument, Statement, grantToRoles, policy } from './document';

/** The pair CodePipeline uses as one regional artifact store. */
export interface StoreArns {
  readonly bucketArn: string;
  /** The key's ARN; in a stack without the key, `arn:aws:kms:<region>:<account>:key/*`, narrowed by `keyAlias`. */
  readonly keyArn: string;
  /** The key's alias, for a stack that cannot know the key's ARN (a target stack of a split environment). @default none */
  readonly keyAlias?: string;
}

/**
 * A store as a stack without it sees it: the bucket by its name, the key by its alias. IAM cannot name a key by
 * alias in `Resource`; `kms:ResourceAliases` narrows the account's keys to the one of that alias (AWS KMS Developer
 * Guide, "Use aliases to control access to KMS keys"; alias changes take up to five minutes to count).
 */
export const storeByName = (account: string, region: string, bucketName: string, keyAlias: string): StoreArns => ({
  bucketArn: `arn:aws:s3:::${bucketName}`,
  keyArn: `arn:aws:kms:${region}:${account}:key/*`,
  keyAlias,
});

const orgOption = (organization: Organization | undefined) => (organization ? { organization } : {});

/** Reading an artifact: fetch the object and decrypt its data key. */
export const ARTIFACT_READ = {
  s3: ['s3:GetObject', 's3:GetObjectVersion'],
  kms: ['kms:Decrypt', 'kms:DescribeKey'],
};
/** Writing an artifact also needs a data key for the upload (SSE-KMS with a bucket key). */
export const ARTIFACT_WRITE = {
  s3: [...ARTIFACT_READ.s3, 's3:PutObject'],
  kms: [...ARTIFACT_READ.kms, 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'],
};
// GetBucketAcl and GetBucketLocation are what CodeBuild checks before it reads or writes pipeline artifacts.
const BUCKET_LEVEL = ['s3:GetBucketAcl', 's3:GetBucketLocation', 's3:GetBucketVersioning', 's3:ListBucket'];

/**
 * Key administration without use: the tooling account keeps control of the key (IAM policies of its admins
 * apply) but only the roles named in the usage statements can encrypt or decrypt artifacts. No grant actions:
 * nothing here needs a KMS grant.
 */
export const KEY_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RevokeGrant',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
];

export interface ArtifactKeyPolicyProps {
  /** Account that owns the key. */
  readonly account: string;
  /** Region of the key. */
  readonly region: string;
  /** Roles that put artifacts into this region's store. */
  readonly writers: readonly string[];
  /** Roles that only read artifacts from this region's store. Default: none. */
  readonly readers?: readonly string[];
  /** CloudWatch log groups (names, in `account`/`region`) that CloudWatch Logs encrypts with this key. Default: none. */
  readonly logGroups?: readonly string[];
  /** The organization of the readers' accounts: reads granted to it instead of to each account. @default each account */
  readonly organization?: Organization;
}

export function artifactKeyPolicy(props: ArtifactKeyPolicyProps): PolicyDocument {
  const statements: Statement[] = [
    {
      Sid: 'KeyAdministrationByOwnerAccount',
      Effect: 'Allow',
      Principal: { AWS: accountRoot(props.account) },
      Action: KEY_ADMIN_ACTIONS,
      Resource: '*',
    },
    ...grantToRoles({ Sid: 'WritersUseKey', Effect: 'Allow', Action: ARTIFACT_WRITE.kms, Resource: '*' }, props.writers),
  ];
  if (props.readers?.length) {
    statements.push(...grantToRoles({ Sid: 'ReadersDecrypt', Effect: 'Allow', Action: ARTIFACT_READ.kms, Resource: '*' }, props.readers, orgOption(props.organization)));
  }
  if (props.logGroups?.length) {
    statements.push({
      Sid: 'CloudWatchLogsEncryptLogGroups',
      Effect: 'Allow',
      Principal: { Service: `logs.${props.region}.amazonaws.com` },
      Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      Resource: '*',
      Condition: {
        ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': props.logGroups.map((g) => logGroupArn(props.account, props.region, g)) },
      },
    });
  }
  return policy(...statements);
}

export interface ArtifactBucketPolicyProps {
  readonly bucketArn: string;
  /** Roles that put and get artifacts. */
  readonly writers: readonly string[];
  /** Roles that only get artifacts. Default: none. */
  readonly readers?: readonly string[];
  /** The organization of the readers' accounts: reads granted to it instead of to each account. @default each account */
  readonly organization?: Organization;
  /**
   * The chain's releases (`prefix`, e.g. `releases/*`) and the one role that writes them (the pipeline role): nobody
   * else, whatever their own policies allow, so a release is always one the pipeline wrote after its waves.
   * @default no releases (one pipeline)
   */
  readonly releases?: { readonly prefix: string; readonly writer: string };
}

/** TLS only, and exactly the roles of the pipeline, the build and the target accounts deploying in this region. */
export function artifactBucketPolicy(props: ArtifactBucketPolicyProps): PolicyDocument {
  const objects = `${props.bucketArn}/*`;
  const everyone = [...props.writers, ...(props.readers ?? [])];
  const statements: Statement[] = [
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [props.bucketArn, objects],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
    ...grantToRoles({ Sid: 'WritersReadWriteArtifacts', Effect: 'Allow', Action: ARTIFACT_WRITE.s3, Resource: objects }, props.writers),
    ...grantToRoles({ Sid: 'PipelineRolesLocateBucket', Effect: 'Allow', Action: BUCKET_LEVEL, Resource: props.bucketArn }, everyone, orgOption(props.organization)),
  ];
  if (props.readers?.length) {
    statements.push(...grantToRoles({ Sid: 'ReadersGetArtifacts', Effect: 'Allow', Action: ARTIFACT_READ.s3, Resource: objects }, props.readers, orgOption(props.organization)));
  }
  if (props.releases) {
    statements.push({
      Sid: 'OnlyThePipelineWritesReleases',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: `${props.bucketArn}/${props.releases.prefix}`,
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': props.releases.writer } },
    });
  }
  return policy(...statements);
}

/** Identity-policy statements giving a role read (or read/write) access to artifact stores. */
/** Key use on the stores' keys: by ARN, and, for stores known by alias, one statement narrowed to their aliases. */
function keyStatements(sid: string, actions: string[], stores: readonly StoreArns[]): Statement[] {
  const byArn = stores.filter((s) => !s.keyAlias);
  const byAlias = stores.filter((s) => s.keyAlias);
  return [
    ...(byArn.length ? [{ Sid: sid, Effect: 'Allow' as const, Action: actions, Resource: byArn.map((s) => s.keyArn) }] : []),
    ...(byAlias.length
      ? [{ Sid: `${sid}ByAlias`, Effect: 'Allow' as const, Action: actions, Resource: byAlias.map((s) => s.keyArn), Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [...new Set(byAlias.map((s) => s.keyAlias!))] } } }]
      : []),
  ];
}

export function artifactAccess(stores: readonly StoreArns[], mode: 'read' | 'write'): Statement[] {
  const actions = mode === 'write' ? ARTIFACT_WRITE : ARTIFACT_READ;
  const label = mode === 'write' ? 'ReadWrite' : 'Read';
  return [
    { Sid: `Artifacts${label}`, Effect: 'Allow', Action: actions.s3, Resource: stores.map((s) => `${s.bucketArn}/*`) },
    { Sid: 'ArtifactBuckets', Effect: 'Allow', Action: BUCKET_LEVEL, Resource: stores.map((s) => s.bucketArn) },
    ...keyStatements(`ArtifactKeys${label}`, actions.kms, stores),
  ];
}
