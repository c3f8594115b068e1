import { AccessResult, checkAccess } from './access';
import { Plan, StackJson } from '../plan/plan';
import { RuleResult, checkRules } from './rules';

export interface Verification {
  /** Environment (stack) name or file the plan came from. */
  readonly name: string;
  readonly access: readonly AccessResult[];
  readonly rules: readonly RuleResult[];
  /** The real terraform validate of the same plan, when it ran: its verdict and what to show. */
  readonly terraform?: { readonly ok: boolean; readonly summary: string };
  readonly ok: boolean;
}

/**
 * Checks one synthesized stack: the access matrix with the IAM engine, then the rules; `terraform` is the real
 * validate's result, if it ran. `access` evaluates the matrix (default: in this thread; the CLI spreads it over
 * every core with src/verify/shards.ts).
 */
export async function verifyPlan(
  name: string,
  json: StackJson,
  terraform?: Verification['terraform'],
  access: (json: StackJson) => Promise<readonly AccessResult[]> = (j) => checkAccess(new Plan(j)),
): Promise<Verification> {
  const plan = new Plan(json);
  const accessResults = await access(json);
  const rules = checkRules(plan);
  return { name, access: accessResults, rules, ...(terraform ? { terraform } : {}), ok: accessResults.every((a) => a.ok) && rules.every((r) => r.ok) && terraform?.ok !== false };
}
