/**
 * The rules verify runs over a resolved plan, a file a family: the security baseline, the plan's structure, policy
 * sizes, the pipeline's intent. The list imports its rules, never the reverse (CONTRIBUTING.md).
 */
import type { Plan } from '../plan/plan';
import { BASELINE_RULES } from './baseline-rules';
import { INTENT_RULE } from './intent-rule';
import type { Rule, RuleResult } from './rule';
import { POLICY_SIZE_RULE } from './size-rules';
import { STRUCTURE_RULES } from './structure-rules';

export type { Finding, Rule, RuleResult } from './rule';

/** Every rule verify runs, in the order reports list them. */
export const RULES: readonly Rule[] = [...BASELINE_RULES, ...STRUCTURE_RULES, POLICY_SIZE_RULE, INTENT_RULE];

export function checkRules(plan: Plan, rules: readonly Rule[] = RULES): RuleResult[] {
  return rules.map((rule) => {
    const findings = rule.check(plan);
    return { rule, findings, ok: findings.length === 0 };
  });
}
