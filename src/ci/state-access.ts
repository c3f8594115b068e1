import type { BackendConfig } from '../config/schema';
import { Statement } from '../policy/document';

type S3Backend = Extract<BackendConfig, { type: 's3' }>;

/** The lock file Terraform's S3 backend writes beside the state with `use_lockfile` (Terraform 1.10+). */
export const lockKey = (key: string) => `${key}.tflock`;

/**
 * What a CI identity needs on the S3 state: `read` it (pull-request plans, run with -lock=false), read it and
 * take the lock (`plan`: a deploy's plan), or also write it (`apply`). With `roleArn`, the backend assumes that
 * role instead, and the identity needs only that. `keys`: the states of every stack of the environment (a split
 * environment's target stacks by one wildcard key).
 */
export function stateAccess(backend: S3Backend, mode: 'read' | 'plan' | 'apply', keys: readonly string[] = [backend.key]): Statement[] {
  if (backend.roleArn) return [{ Sid: 'AssumeStateRole', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: backend.roleArn }];
  const bucket = `arn:aws:s3:::${backend.bucket}`;
  const objects = (of: (key: string) => string) => (keys.length === 1 ? `${bucket}/${of(keys[0]!)}` : keys.map((k) => `${bucket}/${of(k)}`));
  const statements: Statement[] = [
    { Sid: 'ListStateBucket', Effect: 'Allow', Action: 's3:ListBucket', Resource: bucket },
    { Sid: mode === 'apply' ? 'ReadWriteState' : 'ReadState', Effect: 'Allow', Action: mode === 'apply' ? ['s3:GetObject', 's3:PutObject'] : 's3:GetObject', Resource: objects((k) => k) },
    ...(mode === 'read' ? [] : [{ Sid: 'StateLock', Effect: 'Allow' as const, Action: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'], Resource: objects(lockKey) }]),
  ];
  if (backend.kmsKeyId) {
    // Writing the lock file encrypts it too. An alias cannot be a policy Resource: match the key by its alias.
    const alias = /:alias\/(.+)$/.exec(backend.kmsKeyId)?.[1];
    statements.push({
      Sid: 'StateKey',
      Effect: 'Allow',
      Action: mode === 'read' ? 'kms:Decrypt' : ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: alias ? '*' : backend.kmsKeyId,
      ...(alias ? { Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': `alias/${alias}` } } } : {}),
    });
  }
  return statements;
}
