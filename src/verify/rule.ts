/** What a verify rule is and what it finds: each family of rules is a file (src/verify/rules.ts lists them). */
import type { Plan } from '../plan/plan';

export interface Finding {
  /** The resource to change. */
  readonly address: string;
  readonly message: string;
}

export interface Rule {
  readonly id: string;
  readonly title: string;
  readonly reason: string;
  readonly fix: string;
  /** Matching Security Hub FSBP control / checkov check ids. */
  readonly refs: readonly string[];
  check(plan: Plan): Finding[];
}

export interface RuleResult {
  readonly rule: Rule;
  readonly findings: readonly Finding[];
  readonly ok: boolean;
}
