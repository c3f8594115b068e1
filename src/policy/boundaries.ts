import { lambdaLogGroup, logGroupArn, policyArn, roleArn } from '../model/naming';
import { PolicyDocument, policy } from './document';

/** A statement of a boundary: a boundary is a ceiling, so it may name what it leaves out (`NotAction`). */
export interface BoundaryStatement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string[];
  Resource: string | string[];
  Condition?: PolicyDocument['Statement'][number]['Condition'];
}

export interface BoundaryDocument {
  Version: '2012-10-17';
  Statement: BoundaryStatement[];
}

/** The two boundaries of an environment in one account, by ARN. */
export interface EnvironmentBoundaries {
  /** The boundary of every role the stack creates. */
  readonly roles: string;
  /** The boundary of every role a workload template creates. */
  readonly workload: string;
}

export const environmentBoundaries = (account: string, names: { roleBoundary: string; workloadBoundary: string }): EnvironmentBoundaries => ({
  roles: policyArn(account, names.roleBoundary),
  workload: policyArn(account, names.workloadBoundary),
});

/**
 * Actions that give a role rights, with the condition key IAM sets to the boundary the role has (or is given):
 * `iam:PermissionsBoundary` ("Filters access if the specified policy is set as the permissions boundary on the
 * IAM entity (user or role)", Service Authorization Reference, IAM condition keys; CreateRole and
 * PutRolePermissionsBoundary carry the boundary of the request). A role without a boundary has no such key, so
 * a `StringNotEquals` on it matches and the statement denies.
 */
export const ROLE_GRANTING_ACTIONS = ['iam:AttachRolePolicy', 'iam:CreateRole', 'iam:PutRolePermissionsBoundary', 'iam:PutRolePolicy'] as const;

/**
 * The ceiling of every role an environment's stack creates in one account (the pipeline, build, deploy and
 * execution roles). Whatever policy the apply role writes on such a role, the role can: use services other than
 * IAM, STS and S3; change IAM only under the environment's names (`<prefix>-*`), and there create or grant a role
 * only within one of the two boundaries; assume only the environment's roles; use only the environment's
 * buckets (and pass the workload's own task roles, named in the environment file); never remove a boundary. So a role minted by a rewritten stack is no administrator: it cannot reach
 * IAM beyond the environment, a role without a boundary, another team's role or another bucket (docs/security.md).
 */
export interface RoleBoundaryProps {
  readonly account: string;
  /** `<workload>-<environment>`: the names the roles may act on. */
  readonly prefix: string;
  readonly boundaries: EnvironmentBoundaries;
  /** Roles outside the environment's names that its roles pass (an ECS service's task roles). @default none */
  readonly passedRoles?: readonly string[];
}

export function roleBoundaryPolicy(props: RoleBoundaryProps): BoundaryDocument {
  const { account, prefix, boundaries } = props;
  const passed = [...new Set(props.passedRoles ?? [])].sort();
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ServicesOtherThanIamStsAndS3', Effect: 'Allow', NotAction: ['iam:*', 's3:*', 'sts:*'], Resource: '*' },
      { Sid: 'EnvironmentRolesAndPolicies', Effect: 'Allow', Action: 'iam:*', Resource: [roleArn(account, `${prefix}-*`), policyArn(account, `${prefix}-*`)] },
      ...(passed.length ? [{ Sid: 'PassWorkloadRoles', Effect: 'Allow' as const, Action: 'iam:PassRole', Resource: passed }] : []),
      { Sid: 'EnvironmentRoleSessions', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::*:role/${prefix}-*` },
      { Sid: 'CallerIdentity', Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' },
      { Sid: 'EnvironmentBuckets', Effect: 'Allow', Action: 's3:*', Resource: [`arn:aws:s3:::${prefix}-*`, `arn:aws:s3:::${prefix}-*/*`] },
      {
        Sid: 'RolesOnlyWithinTheBoundaries',
        Effect: 'Deny',
        Action: [...ROLE_GRANTING_ACTIONS],
        Resource: '*',
        Condition: { StringNotEquals: { 'iam:PermissionsBoundary': [boundaries.roles, boundaries.workload] } },
      },
      { Sid: 'BoundariesStay', Effect: 'Deny', Action: 'iam:DeleteRolePermissionsBoundary', Resource: '*' },
    ],
  };
}

/**
 * The most any role a workload template creates may do: write the logs of the environment's functions in this
 * account. It names a pattern, not the stacks, so adding a stage needs no new version of a policy only an
 * account administrator may change (docs/security.md).
 */
export function workloadBoundaryPolicy(account: string, prefix: string): PolicyDocument {
  const logGroups = logGroupArn(account, '*', lambdaLogGroup(`${prefix}-*`));
  return policy({ Sid: 'FunctionLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [logGroups, `${logGroups}:*`] });
}
