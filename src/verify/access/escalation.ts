/**
 * Privilege escalation: no role of the plan widens its own rights, and a stack role rewritten to AdministratorAccess
 * stays under its boundary.
 */
import { boundaryNames } from '../../model/naming';
import { environmentBoundaries } from '../../policy/boundaries';
import { Paths } from './collector';
import { AccessModel } from './model';
import { AccessCheck, ADMIN, Principal, RoleInfo, Target } from './principals';

/**
 * Privilege escalation inside the system: no role of the plan, with the policies the plan gives it, creates a
 * role without the boundary, changes its own or another role's policies, passes a role it does not deploy
 * with, creates a key or grant, or rewrites a key policy.
 */
export function escalationChecks(model: AccessModel): AccessCheck[] {
  const checks: AccessCheck[] = [];
  const deny = (why: string, principal: Principal, action: string, target: Target) => checks.push({ expect: 'deny', why, principal, action, target });
  for (const role of model.roles.values()) {
    const who = model.principal(role.arn);
    const stranger: Target = { arn: `arn:aws:iam::${role.account}:role/escalated`, account: role.account, label: 'a role outside the system' };
    deny('no role creates roles outside the system', who, 'iam:CreateRole', stranger);
    deny('no role passes a role outside the system', who, 'iam:PassRole', stranger);
    for (const action of ['iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:UpdateAssumeRolePolicy']) deny('no role changes its own permissions or trust', who, action, model.roleTarget(role.arn));
    // Roles the execution role creates are named by pattern (src/policy/roles.ts): no pattern may take another role of the system.
    for (const other of [...model.roles.values()].filter((r) => r.account === role.account && r.arn !== role.arn)) {
      for (const action of ['iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:DeleteRole']) deny('no role changes another role of the system', who, action, other);
    }
    deny('no role creates keys', who, 'kms:CreateKey', { arn: '*', account: role.account, label: 'any new key' });
    for (const key of model.keys.values()) {
      for (const action of ['kms:CreateGrant', 'kms:PutKeyPolicy']) deny('no role grants itself a key or rewrites a key policy', who, action, key);
    }
  }
  return checks;
}

/**
 * The role boundary as a ceiling: a role of the stack given AdministratorAccess (what a rewritten stack could
 * write on it) still cannot leave the environment's IAM names, create a role without a boundary, remove or
 * rewrite a boundary, assume another role or read another bucket (docs/security.md). One role per account: the
 * boundary is the account's.
 */
export function ceilingPaths(p: Paths): void {
  const { deny, model, intent } = p;
  if (!intent) return;
  const byAccount = new Map<string, RoleInfo>();
  for (const role of model.roles.values()) if (!byAccount.has(role.account)) byAccount.set(role.account, role);
  for (const [account, role] of byAccount) {
    const admin: Principal = { ...model.principal(role.arn), label: `${role.label} given AdministratorAccess`, identity: [{ name: 'AdministratorAccess', policy: ADMIN }] };
    const arns = environmentBoundaries(account, boundaryNames(intent.prefix));
    const iam = (kind: string, name: string, label: string): Target => ({ arn: `arn:aws:iam::${account}:${kind}/${name}`, account, label });
    const minted = iam('role', `${intent.prefix}-minted`, 'a new role of the environment');
    deny('a stack role cannot create a role without a boundary', admin, 'iam:CreateRole', minted, { context: { 'iam:PermissionsBoundary': 'arn:aws:iam::aws:policy/AdministratorAccess' } });
    deny('a stack role cannot create a role outside the environment', admin, 'iam:CreateRole', iam('role', 'Administrator', 'another role'), { context: { 'iam:PermissionsBoundary': arns.roles } });
    deny('a stack role cannot create an IAM user', admin, 'iam:CreateUser', iam('user', 'backdoor', 'a user'));
    deny('a stack role cannot remove a boundary', admin, 'iam:DeleteRolePermissionsBoundary', model.roleTarget(role.arn));
    for (const boundary of [arns.roles, arns.workload]) deny('a stack role cannot rewrite a boundary', admin, 'iam:CreatePolicyVersion', { arn: boundary, account, label: `boundary ${boundary}` });
    deny('a stack role cannot assume a role outside the environment', admin, 'sts:AssumeRole', iam('role', 'OrganizationAccountAccessRole', 'the organization access role'));
    deny('a stack role cannot read another bucket', admin, 's3:GetObject', { arn: 'arn:aws:s3:::payroll', account, label: 'bucket payroll' }, { resource: 'arn:aws:s3:::payroll/salaries.csv' });
  }
}
