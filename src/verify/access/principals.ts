/**
 * Who and what the access paths are about: principals, targets, the checks and their results, and the
 * stand-ins verify places around the environment (an unrelated account, other accounts of its organization).
 */
import { PolicyJson } from '../../plan/plan';

/** An account no config uses: the stand-in for "anyone else". */
export const OUTSIDER_ACCOUNT = '999999999999';

/** Where verify places the unrelated account when the plan names an organization: in another one. */
export const OUTSIDER_ORGANIZATION = { id: 'o-outsider000' } as const;

/** Another account of the environment's organization, within its paths, holding roles named like ours. */
export const ORGANIZATION_MEMBER_ACCOUNT = '777777777777';

/** An account of the environment's organization outside its paths, holding roles named like ours. */
export const OUT_OF_PATH_ACCOUNT = '888888888888';

/** The OU path verify gives that account: under the organization's root, in no OU the environment names. */
export const OUTSIDE_PATH = (organization: string) => `${organization}/r-0000/ou-0000-outside0/`;

/** Where an account is in an AWS Organization: the organization and, if known, its OU path. */
export interface OrganizationPlace {
  readonly id: string;
  readonly path?: string;
}

/** What a service acting for a resource of an organization's account sends of it (IAM global condition keys). */
export const sourceOrganization = (org: OrganizationPlace | undefined): Record<string, string | string[]> =>
  org ? { 'aws:SourceOrgID': org.id, ...(org.path ? { 'aws:SourceOrgPaths': [org.path] } : {}) } : {};

export const ADMIN: PolicyJson = { Version: '2012-10-17', Statement: [{ Sid: 'Administrator', Effect: 'Allow', Action: '*', Resource: '*' }] };

export const PULL_ANY: PolicyJson = { Version: '2012-10-17', Statement: [{ Sid: 'PullImages', Effect: 'Allow', Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], Resource: '*' }] };

export interface NamedPolicy {
  /** Where the policy lives (resource address), so a failure says what to change. */
  readonly name: string;
  readonly policy: PolicyJson;
}

export interface Principal {
  /** Role ARN or service principal. */
  readonly id: string;
  readonly label: string;
  readonly account: string;
  readonly identity: readonly NamedPolicy[];
  /** The permissions boundary, a ceiling on what the identity policies grant. @default none */
  readonly boundary?: NamedPolicy;
  /** What IAM puts in every request of the principal's account: its organization and path. @default none (no organization) */
  readonly organization?: OrganizationPlace;
}

export interface Target {
  readonly arn: string;
  readonly account: string;
  readonly label: string;
  /** Resource policy (trust, key, bucket or repository policy), if the resource has one. */
  readonly policy?: NamedPolicy;
  /** What IAM puts in every request of the resource (a key's aliases, `kms:ResourceAliases`). @default none */
  readonly context?: Readonly<Record<string, string | string[]>>;
}

export interface AccessCheck {
  readonly expect: 'allow' | 'deny';
  readonly why: string;
  readonly principal: Principal;
  readonly action: string;
  readonly target: Target;
  /** Request resource when it differs from the target (an object in a bucket). */
  readonly resource?: string;
  readonly context?: Record<string, string | string[]>;
}

export interface AccessResult {
  readonly expect: 'allow' | 'deny';
  readonly why: string;
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly decision: 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied' | 'Error';
  readonly ok: boolean;
  /** For a failure: the policy and statement to change. */
  readonly explanation?: string;
}

export interface RoleInfo extends Target {
  readonly name: string;
  readonly identity: NamedPolicy[];
  readonly boundary?: NamedPolicy;
}

export const service = (name: string, account: string): Principal => ({ id: name, label: name, account, identity: [] });
