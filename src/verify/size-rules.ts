/**
 * Policy documents within the size AWS accepts. Each limit is AWS's, as documented; IAM counts characters
 * without whitespace, the others the document as sent (Terraform sends our minified JSON).
 */
import { IAM_LIMITS, RESOURCE_POLICY_LIMITS, iamSize } from '../policy/limits';
import { Body, Plan } from '../plan/plan';
import type { Finding, Rule } from './rule';

/** The quotas, each with where AWS states it (src/policy/limits.ts cites them). */
export const POLICY_LIMITS = {
  roleTrust: IAM_LIMITS.roleTrust,
  roleInline: IAM_LIMITS.roleInline,
  managedPolicy: IAM_LIMITS.managedPolicy,
  managedPoliciesPerRole: IAM_LIMITS.managedPoliciesPerRole,
  bucketPolicy: RESOURCE_POLICY_LIMITS.bucket.limit,
  keyPolicy: RESOURCE_POLICY_LIMITS.key.limit,
  repositoryPolicy: RESOURCE_POLICY_LIMITS.repository.limit,
  topicPolicy: RESOURCE_POLICY_LIMITS.topic.limit,
} as const;

export { iamSize };
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
    const attached = plan.ofType('aws_iam_role_policy_attachment').filter((a) => a.body.role === role.body.name && a.account === role.account).length;
    if (attached > POLICY_LIMITS.managedPoliciesPerRole) findings.push({ address: role.address, message: `${attached} managed policies are attached; IAM allows ${POLICY_LIMITS.managedPoliciesPerRole} per role` });
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
