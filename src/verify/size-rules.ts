/**
 * Policy documents within the size AWS accepts. Each limit is AWS's, as documented; IAM counts characters
 * without whitespace, the others the document as sent (Terraform sends our minified JSON).
 */
import { Body, Plan } from './plan';
import type { Finding, Rule } from './rules';

/** The quotas, each with where AWS states it. */
export const POLICY_LIMITS = {
  /** IAM User Guide, "IAM and AWS STS quotas": role trust policy, 2,048 characters (default; adjustable to 4,096). */
  roleTrust: 2_048,
  /** Same page: the inline policies of a role together, 10,240 characters; whitespace is not counted. */
  roleInline: 10_240,
  /** Same page: a managed policy, 6,144 characters. */
  managedPolicy: 6_144,
  /** Amazon S3 User Guide, "Bucket policies": a bucket policy is limited to 20 KB. */
  bucketPolicy: 20 * 1024,
  /** AWS KMS Developer Guide, "Quotas": key policy document size 32 KB (32,768 bytes). */
  keyPolicy: 32 * 1024,
  /** Amazon ECR User Guide, "Service quotas": repository policy length, 10,240 characters. */
  repositoryPolicy: 10_240,
  /** Amazon SNS quotas: a topic policy, 30 KB. */
  topicPolicy: 30 * 1024,
} as const;

/** How IAM measures a policy: characters other than whitespace. */
export const iamSize = (text: string) => text.replace(/\s/g, '').length;
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

function sizeFindings(plan: Plan): Finding[] {
  const findings: Finding[] = [];
  const over = (address: string, what: string, size: number, limit: number) => {
    if (size > limit) findings.push({ address, message: `${what} is ${size} characters; AWS allows ${limit}` });
  };
  for (const role of plan.ofType('aws_iam_role')) {
    over(role.address, 'the trust policy', iamSize(String(role.body.assume_role_policy ?? '')), POLICY_LIMITS.roleTrust);
    const inline = [
      ...(role.body.inline_policy ?? []).map((p: Body) => String(p.policy ?? '')),
      ...plan.ofType('aws_iam_role_policy').filter((p) => p.body.role === role.body.name && p.account === role.account).map((p) => String(p.body.policy ?? '')),
    ];
    over(role.address, 'the inline policies together', inline.reduce((n, text) => n + iamSize(text), 0), POLICY_LIMITS.roleInline);
  }
  for (const p of plan.ofType('aws_iam_policy')) over(p.address, 'the managed policy', iamSize(String(p.body.policy ?? '')), POLICY_LIMITS.managedPolicy);
  for (const p of plan.ofType('aws_s3_bucket_policy')) over(p.address, 'the bucket policy', bytes(String(p.body.policy ?? '')), POLICY_LIMITS.bucketPolicy);
  for (const k of plan.ofType('aws_kms_key')) over(k.address, 'the key policy', bytes(String(k.body.policy ?? '')), POLICY_LIMITS.keyPolicy);
  for (const p of plan.ofType('aws_ecr_repository_policy')) over(p.address, 'the repository policy', String(p.body.policy ?? '').length, POLICY_LIMITS.repositoryPolicy);
  for (const p of plan.ofType('aws_sns_topic_policy')) over(p.address, 'the topic policy', bytes(String(p.body.policy ?? '')), POLICY_LIMITS.topicPolicy);
  return findings;
}

export const POLICY_SIZE_RULE: Rule = {
  id: 'POLICY_SIZE_WITHIN_LIMITS',
  title: 'Every policy document fits the size AWS accepts',
  reason: 'A policy over its quota fails the apply half-way; policies that list a role per target account grow with every account.',
  fix: 'Split the environment (fewer target accounts per region or per stage), or grant by condition instead of listing roles.',
  refs: [],
  check: sizeFindings,
};
