/**
 * Whether the permissions an environment file gives a template's execution role hand out roles: judged by
 * the IAM engine (@cloud-copilot/iam-simulate) with IAM's wildcard semantics (`iam:Pass*`, `iam:*`, `*`,
 * `arn:aws:iam::*:role/*`), not by spelling. A statement that lets the role pass or assume a role it did not
 * create lets the template become that role.
 */
import type { Simulation } from '@cloud-copilot/iam-simulate';
import type { PermissionStatement } from '../config/schema';

/** Stand-ins for the placeholders (`{account}`, `{region}`, `{stack}`) the statements may use. */
const ACCOUNT = '210987654321';
const OTHER_ACCOUNT = '999999999999';
const EXECUTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/cfn-execution`;
/** Roles no template creates: one of the deploying account, one of another. */
const UNRELATED_ROLES = [`arn:aws:iam::${ACCOUNT}:role/an-unrelated-role`, `arn:aws:iam::${OTHER_ACCOUNT}:role/an-unrelated-role`];
const ROLE_ACTIONS = ['iam:PassRole', 'sts:AssumeRole'] as const;

const expand = (value: string | string[]) =>
  [value].flat().map((v) => v.replaceAll('{account}', ACCOUNT).replaceAll('{region}', 'eu-west-1').replaceAll('{stack}', 'workload-dev-eu-west-1'));

/** For each statement that grants a role action on a role the template does not create: its index and the action. */
export function roleHandingStatements(permissions: readonly PermissionStatement[]): Array<{ index: number; action: string; role: string }> {
  // Loaded only for the workloads that have permissions: the engine's data costs a synth about 0.2 s.
  const { runUnsafeSimulation } = require('@cloud-copilot/iam-simulate') as typeof import('@cloud-copilot/iam-simulate');
  const { createValidatedPolicy, validateResourcePolicy } = require('@cloud-copilot/iam-policy') as typeof import('@cloud-copilot/iam-policy');
  return permissions.flatMap((statement, index) => {
    // A condition narrows when, not which role: judged without it, the statement must not name any role.
    const { Condition: _condition, ...unconditional } = statement;
    const policy = { Version: '2012-10-17', Statement: [{ ...unconditional, Resource: expand(statement.Resource) }] };
    for (const action of ROLE_ACTIONS) {
      for (const role of UNRELATED_ROLES) {
        const simulation: Simulation = {
          request: { principal: EXECUTION_ROLE, action, resource: { resource: role, accountId: role.split(':')[4]! }, contextVariables: {} },
          identityPolicies: [{ name: 'permissions', policy }],
          // A trust policy that lets the execution role's account in: the identity policy alone decides. (Named
          // through a validated policy: the engine reports the resource policy's name.)
          resourcePolicy: createValidatedPolicy(
            { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: action }] },
            validateResourcePolicy,
            { name: 'trust' },
          ),
          serviceControlPolicies: [],
          resourceControlPolicies: [],
        };
        if (runUnsafeSimulation(simulation, {}) === 'Allowed') return [{ index, action, role }];
      }
    }
    return [];
  });
}
