import { accountOfArn, accountRoot, logGroupArn, roleArn } from '../model/naming';

export type Principal = '*' | { AWS?: string | string[]; Service?: string | string[]; Federated?: string };
export type Conditions = Record<string, Record<string, string | string[] | boolean>>;

export interface Statement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Principal?: Principal;
  Action: string | string[];
  /** Absent in trust policies, required everywhere else. */
  Resource?: string | string[];
  Condition?: Conditions;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Statement[];
}

export const policy = (...statements: Statement[]): PolicyDocument => ({ Version: '2012-10-17', Statement: statements });

/** Sid from free text (IAM allows only [A-Za-z0-9] in Sids). */
export const sid = (...parts: string[]) =>
  parts
    .join(' ')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');

/** Principal and condition of one statement that grants to exactly a set of roles. */
export interface RoleGrant {
  readonly Principal: Principal;
  readonly Condition: Conditions;
}

/**
 * Principals and conditions for "exactly these roles", written the way that survives role re-creation and
 * needs no role to exist yet (docs/DESIGN.md, invariant 2): a role ARN in `Principal` would be turned into a
 * unique id by IAM and go dead when the role is re-created, and fails to save while the role does not exist.
 *
 * One grant per group of role names that share the same accounts, so that a grant is exactly the product of its
 * accounts and its names (a single product over all roles would let a role of one account in under a name only
 * another account uses). A grant names its accounts' roots, narrowed by the roles: by exact ARN in one account,
 * by name in any of the named accounts (`arn:aws:iam::*:role/<name>`) in several. Its size then grows by one
 * account root per account, not by a role ARN per role, which keeps the policies of 200 accounts within AWS's
 * size limits (docs/DESIGN.md, invariant 13). Principals stay fixed account roots, so a bucket policy stays
 * "not public" for S3 Block Public Access. Where that does not matter and space does (an ECR repository policy
 * holds 10,240 characters), `by: 'condition'` names the accounts by `aws:PrincipalAccount` (15 characters
 * an account instead of 33) under the principal `{"AWS": "*"}`.
 */
export function rolesOnly(roleArns: readonly string[], options: GrantOptions = {}): RoleGrant[] {
  const { by = 'principal', organization } = options;
  if (roleArns.length === 0) throw new Error('rolesOnly needs at least one role ARN');
  const accountsByName = new Map<string, Set<string>>();
  for (const arn of new Set(roleArns)) {
    const account = accountOfArn(arn);
    const name = arn.slice(arn.indexOf(':role/') + ':role/'.length);
    if (!arn.includes(':role/') || !name) throw new Error(`"${arn}" is not an IAM role ARN`);
    accountsByName.set(name, (accountsByName.get(name) ?? new Set()).add(account));
  }
  const namesByAccounts = new Map<string, string[]>();
  for (const [name, accounts] of accountsByName) {
    const key = [...accounts].sort().join(',');
    namesByAccounts.set(key, [...(namesByAccounts.get(key) ?? []), name]);
  }
  const one = (values: string[]) => (values.length === 1 ? values[0]! : values);
  // In an organization, the names several accounts share are one grant to the organization, whatever the number
  // of accounts; a name of one account stays exact.
  const shared = organization ? [...namesByAccounts].filter(([key]) => key.includes(',')).flatMap(([, roleNames]) => roleNames) : [];
  if (organization) for (const key of [...namesByAccounts.keys()]) if (key.includes(',')) namesByAccounts.delete(key);
  const byOrganization = organization && shared.length ? [organizationGrant(organization, shared.sort())] : [];
  return byOrganization.concat([...namesByAccounts]
    .map(([key, roleNames]) => ({ accounts: key.split(','), roleNames: roleNames.sort() }))
    .sort((a, b) => a.accounts[0]!.localeCompare(b.accounts[0]!) || a.roleNames[0]!.localeCompare(b.roleNames[0]!))
    .map(({ accounts, roleNames }): RoleGrant =>
      accounts.length === 1
        ? {
            Principal: { AWS: accountRoot(accounts[0]!) },
            Condition: { ArnEquals: { 'aws:PrincipalArn': one(roleNames.map((n) => `arn:aws:iam::${accounts[0]}:role/${n}`)) } },
          }
        : {
            Principal: { AWS: by === 'principal' ? accounts.map(accountRoot) : '*' },
            Condition: {
              ...(by === 'condition' ? { StringEquals: { 'aws:PrincipalAccount': accounts } } : {}),
              ArnLike: { 'aws:PrincipalArn': one(roleNames.map((n) => `arn:aws:iam::*:role/${n}`)) },
            },
          },
    ));
}

/** Where the roles of a grant may be: an AWS Organization, optionally only some of its OUs. */
export interface Organization {
  readonly id: string;
  /** OU paths as `aws:PrincipalOrgPaths` spells them (`o-.../r-.../ou-.../`); each takes everything below it. @default the whole organization */
  readonly paths?: readonly string[];
}

export interface GrantOptions {
  /** Name several accounts by principal (account roots) or by `aws:PrincipalAccount` under `{"AWS": "*"}`. @default 'principal' */
  readonly by?: 'principal' | 'condition';
  /** Name the accounts of the organization instead of each account, for names several accounts share. @default each account */
  readonly organization?: Organization;
}

/**
 * Roles of these names in any account of the organization (and of its paths). `aws:PrincipalOrgID` and
 * `aws:PrincipalOrgPaths` are global keys IAM sets for every IAM principal of an organization's account (IAM User
 * Guide, "AWS global condition context keys"); a principal outside it has none, so the `StringEquals` fails.
 * S3 Block Public Access treats such a policy as not public (awsdocs/amazon-s3-developer-guide#42).
 */
function organizationGrant(organization: Organization, roleNames: string[]): RoleGrant {
  return {
    Principal: { AWS: '*' },
    Condition: {
      StringEquals: { 'aws:PrincipalOrgID': organization.id },
      ...(organization.paths?.length ? { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': organization.paths.map((path) => `${path}*`) } } : {}),
      ArnLike: { 'aws:PrincipalArn': roleNames.length === 1 ? `arn:aws:iam::*:role/${roleNames[0]}` : roleNames.map((n) => `arn:aws:iam::*:role/${n}`) },
    },
  };
}

/**
 * The statement, granted to exactly these roles: one statement per grant of `rolesOnly`, the first keeping the
 * Sid and the others numbered. Conditions of the statement apply to every grant.
 */
export function grantToRoles(statement: Omit<Statement, 'Principal'>, roleArns: readonly string[], options: GrantOptions = {}): Statement[] {
  return rolesOnly(roleArns, options).map((grant, i) => ({
    ...statement,
    Sid: i === 0 ? statement.Sid : `${statement.Sid}${i + 1}`,
    Principal: grant.Principal,
    Condition: mergeConditions(grant.Condition, statement.Condition ?? {}),
  }));
}

/** Both sets of conditions (IAM ANDs operators and keys); a key set twice under one operator is a mistake. */
function mergeConditions(a: Conditions, b: Conditions): Conditions {
  const merged: Conditions = { ...a };
  for (const [operator, keys] of Object.entries(b)) {
    for (const key of Object.keys(keys)) if (merged[operator]?.[key] !== undefined) throw new Error(`condition ${operator} ${key} is set twice`);
    merged[operator] = { ...merged[operator], ...keys };
  }
  return merged;
}

/** Writing to one CloudWatch log group (its streams). */
export const writeLogs = (account: string, region: string, logGroup: string): Statement => {
  const arn = logGroupArn(account, region, logGroup);
  return { Sid: 'WriteLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [arn, `${arn}:*`] };
};

/** Trust policy for a role assumed by an AWS service. */
export const serviceTrust = (service: string, condition?: Conditions): PolicyDocument =>
  policy({
    Sid: sid('Trust', service.split('.')[0]!),
    Effect: 'Allow',
    Principal: { Service: service },
    Action: 'sts:AssumeRole',
    ...(condition ? { Condition: condition } : {}),
  });

/** Trust policy of a CodeBuild service role: CodeBuild acting for this account only (the confused deputy, docs/security.md). */
export const codeBuildTrust = (account: string): PolicyDocument => serviceTrust('codebuild.amazonaws.com', { StringEquals: { 'aws:SourceAccount': account } });

/**
 * The `Resource` of `sts:AssumeRole` on the role of one name in several accounts: each account's ARN, or, for an
 * environment that grants by organization, the name in any account (one ARN at any account count; the trust of each
 * role still decides who gets in).
 */
export const assumableRoles = (name: string, accounts: readonly string[], inAnyAccount = false): string[] =>
  inAnyAccount ? [roleArn('*', name)] : [...new Set(accounts)].sort().map((account) => roleArn(account, name));

/** Trust policy for a role assumed only by the given roles (possibly in other accounts). */
export const rolesTrust = (roleArns: readonly string[]): PolicyDocument =>
  policy(...grantToRoles({ Sid: 'TrustNamedRoles', Effect: 'Allow', Action: 'sts:AssumeRole' }, roleArns));

