import { accountOfArn, accountRoot, logGroupArn } from '../model/naming';

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

/**
 * Principal and condition for "exactly these roles", written the way that survives role re-creation and
 * needs no role to exist yet: the roles' account roots as principals, narrowed by `aws:PrincipalArn`
 * (docs/DESIGN.md, invariant 2). A role ARN in `Principal` would be turned into a unique id by IAM and go dead
 * when the role is re-created, and fails to save while the role does not exist.
 */
export function rolesOnly(roleArns: readonly string[]): { Principal: Principal; Condition: Conditions } {
  if (roleArns.length === 0) throw new Error('rolesOnly needs at least one role ARN');
  const roots = [...new Set(roleArns.map(accountOfArn))].sort().map(accountRoot);
  const arns = [...new Set(roleArns)].sort();
  return {
    Principal: { AWS: roots.length === 1 ? roots[0]! : roots },
    Condition: { ArnEquals: { 'aws:PrincipalArn': arns.length === 1 ? arns[0]! : arns } },
  };
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

/** Trust policy for a role assumed only by the given roles (possibly in other accounts). */
export const rolesTrust = (roleArns: readonly string[]): PolicyDocument =>
  policy({ Sid: 'TrustNamedRoles', Effect: 'Allow', Action: 'sts:AssumeRole', ...rolesOnly(roleArns) });

