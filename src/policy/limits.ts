/**
 * IAM's size and count quotas for roles, and the split of a role's permissions that keeps within them.
 * IAM User Guide, "IAM and AWS STS quotas" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html):
 * "IAM does not count white space when calculating the size of a policy against these quotas."
 */
import { PolicyDocument, Statement, policy } from './document';

export const IAM_LIMITS = {
  /** "Role trust policy length": 2,048 characters (default; adjustable to 4,096). */
  roleTrust: 2_048,
  /** "Role policy size cannot exceed 10,240 characters": a role's inline policies together. */
  roleInline: 10_240,
  /** "Managed policy size": 6,144 characters. */
  managedPolicy: 6_144,
  /** "Managed policies attached to an IAM role": 10 (default; adjustable to 20). */
  managedPoliciesPerRole: 10,
} as const;

/** Resource policies: how big each service accepts them, measured as the service does. */
export const RESOURCE_POLICY_LIMITS = {
  /** Amazon S3 User Guide, "Bucket policies": "Bucket policies are limited to 20 KB in size." */
  bucket: { limit: 20 * 1024, unit: 'bytes', what: 'S3 bucket policy', source: 'Amazon S3 User Guide, "Bucket policies"' },
  /** AWS KMS Developer Guide, "Key policies": "Up to 32 kilobytes (32,768 bytes)". */
  key: { limit: 32 * 1024, unit: 'bytes', what: 'KMS key policy', source: 'AWS KMS Developer Guide, "Key policies"' },
  /** Amazon ECR API Reference, SetRepositoryPolicy: policyText "Maximum length of 10240". */
  repository: { limit: 10_240, unit: 'characters', what: 'ECR repository policy', source: 'Amazon ECR API Reference, SetRepositoryPolicy' },
  /** Amazon SNS Developer Guide, policy quotas: "Bytes: 30 kb". */
  topic: { limit: 30 * 1024, unit: 'bytes', what: 'SNS topic policy', source: 'Amazon SNS Developer Guide, "Amazon SNS API permissions: Policy quotas"' },
} as const;

/** How IAM measures a policy: characters other than whitespace. */
export const iamSize = (text: string) => text.replace(/\s/g, '').length;
/**
 * A reference resolved at apply (`${TfToken[...]}` while synthesizing, `${aws_kms_key.x.arn}` in the plan) is
 * counted as this many characters: longer than any ARN the plan's references resolve to (a KMS key ARN is 75).
 */
export const UNRESOLVED_REFERENCE_SIZE = 128;
const REFERENCE = /\$\{[^}]*\}+/g;
/** The size IAM will measure once Terraform resolved the references, at most. */
export const plannedIamSize = (text: string) => iamSize(text.replace(REFERENCE, 'x'.repeat(UNRESOLVED_REFERENCE_SIZE)));
const sizeOf = (doc: PolicyDocument) => plannedIamSize(JSON.stringify(doc));

/** A role's permissions as IAM can hold them: one inline policy, and managed policies for what does not fit. */
export interface PackedPermissions {
  readonly inline: PolicyDocument;
  readonly managed: readonly PolicyDocument[];
}

/**
 * Keeps the permissions inline while they fit 10,240 characters; otherwise the statements that do not fit go to
 * managed policies of at most 6,144 characters each, a statement too big for one split by its resources. The
 * grant is the same (IAM unions a role's policies); only where it is written changes. Throws, naming the role and
 * the quotas, when even 10 managed policies cannot hold it.
 */
export function packRolePermissions(role: string, doc: PolicyDocument): PackedPermissions {
  if (sizeOf(doc) <= IAM_LIMITS.roleInline) return { inline: doc, managed: [] };
  const inline: Statement[] = [];
  const rest: Statement[] = [];
  for (const s of doc.Statement) {
    if (rest.length === 0 && sizeOf(policy(...inline, s)) <= IAM_LIMITS.roleInline) inline.push(s);
    else rest.push(...splitByResource(s));
  }
  const managed: Statement[][] = [];
  for (const s of rest) {
    const last = managed[managed.length - 1];
    if (last && sizeOf(policy(...last, s)) <= IAM_LIMITS.managedPolicy) last.push(s);
    else managed.push([s]);
  }
  if (managed.length > IAM_LIMITS.managedPoliciesPerRole) {
    throw new Error(
      `role ${role}: its permissions are ${sizeOf(doc)} characters; IAM holds ${IAM_LIMITS.roleInline} inline and ${IAM_LIMITS.managedPoliciesPerRole} managed policies of ` +
        `${IAM_LIMITS.managedPolicy} (IAM and AWS STS quotas). Split the environment into fewer target accounts or stages per environment file.`,
    );
  }
  return { inline: policy(...inline), managed: managed.map((statements) => policy(...statements)) };
}

/** A statement in parts that each fit a managed policy, by chunks of its Resource list (Sids numbered). */
function splitByResource(s: Statement): Statement[] {
  if (sizeOf(policy(s)) <= IAM_LIMITS.managedPolicy) return [s];
  const resources = Array.isArray(s.Resource) ? s.Resource : [];
  if (resources.length < 2) throw new Error(`statement ${s.Sid} is larger than a managed policy (${IAM_LIMITS.managedPolicy} characters) and has no resource list to split`);
  const half = Math.ceil(resources.length / 2);
  return [
    ...splitByResource({ ...s, Sid: `${s.Sid}A`, Resource: resources.slice(0, half) }),
    ...splitByResource({ ...s, Sid: `${s.Sid}B`, Resource: resources.slice(half) }),
  ];
}

/**
 * The policy as the resource's JSON text; throws, naming the resource, its size, AWS's limit and what to change,
 * when the service would refuse to save it.
 */
export function resourcePolicyJson(kind: keyof typeof RESOURCE_POLICY_LIMITS, where: string, doc: PolicyDocument): string {
  const { limit, unit, what, source } = RESOURCE_POLICY_LIMITS[kind];
  const text = JSON.stringify(doc).replace(REFERENCE, 'x'.repeat(UNRESOLVED_REFERENCE_SIZE));
  const size = unit === 'bytes' ? Buffer.byteLength(text, 'utf8') : text.length;
  if (size > limit) {
    throw new Error(
      `${where}: the ${what} is ${size} ${unit}; AWS allows ${limit} (${source}). It grows by one account per target account ` +
        'deploying in its region (granted by organization, by its paths instead): name the organization (organization), or split the environment into environment files with fewer target accounts per region.',
    );
  }
  return JSON.stringify(doc);
}
