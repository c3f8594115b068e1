import { AccessResult, checkAccess } from './access';
import { Plan, StackJson } from './plan';
import { RuleResult, checkRules } from './rules';

export interface Verification {
  /** Environment (stack) name or file the plan came from. */
  readonly name: string;
  readonly access: readonly AccessResult[];
  readonly rules: readonly RuleResult[];
  readonly ok: boolean;
}

/** Checks one synthesized stack: the access matrix with the IAM engine, then the baseline rules. */
export async function verifyPlan(name: string, json: StackJson): Promise<Verification> {
  const plan = new Plan(json);
  const access = await checkAccess(plan);
  const rules = checkRules(plan);
  return { name, access, rules, ok: access.every((a) => a.ok) && rules.every((r) => r.ok) };
}
