/**
 * How an environment is laid out in Terraform stacks: one stack holding everything, or, when the environment file
 * sets `targetAccountsPerStack`, a tooling stack and stacks of target accounts. Each part has its own state and no
 * reference into another: every name and ARN a part needs of another is derived from the environment (naming.ts),
 * so the parts plan and apply on their own, in any order and side by side (docs/scale.md).
 */
import type { BackendConfig } from '../config/schema';

/** What one stack of an environment holds. */
export type StackPart =
  /** Every account of the environment. */
  | { readonly kind: 'whole'; readonly name: string }
  /** The tooling account: stores, repositories, builds, the pipeline. */
  | { readonly kind: 'tooling'; readonly name: string; readonly targetStacks: readonly string[] }
  /** The roles of some target accounts. */
  | { readonly kind: 'targets'; readonly name: string; readonly environment: string; readonly accounts: readonly string[] };

/** The output that marks a target stack as a part of its environment (read by verify to put it together). */
export const PART_OUTPUT = 'part_of_environment';

/** The stack name of the n-th (from 1) target stack of an environment. */
export const targetStackName = (environment: string, n: number) => `${environment}-targets-${n}`;

export type MainPart = Extract<StackPart, { kind: 'whole' | 'tooling' }>;
export type TargetsPart = Extract<StackPart, { kind: 'targets' }>;

/**
 * The stacks of an environment: the whole environment without `perStack`, else the tooling stack and the target
 * accounts, in the order given, `perStack` to a stack.
 */
export function stackParts(environment: string, targetAccounts: readonly string[], perStack?: number): { main: MainPart; targets: TargetsPart[] } {
  if (perStack === undefined) return { main: { kind: 'whole', name: environment }, targets: [] };
  if (!Number.isInteger(perStack) || perStack < 1) throw new Error(`targetAccountsPerStack must be a whole number of at least 1 (got ${perStack})`);
  const targets: TargetsPart[] = [];
  for (let i = 0; i < targetAccounts.length; i += perStack) {
    targets.push({ kind: 'targets', name: targetStackName(environment, targets.length + 1), environment, accounts: targetAccounts.slice(i, i + perStack) });
  }
  return { main: { kind: 'tooling', name: environment, targetStacks: targets.map((t) => t.name) }, targets };
}

/** The state of a stack named `<environment><suffix>` beside the environment's: the suffix in its S3 key, its HCP Terraform workspace. */
export function stateBeside(backend: BackendConfig, suffix: string): BackendConfig {
  switch (backend.type) {
    case 'local':
      return backend;
    case 's3':
      return { ...backend, key: backend.key.endsWith('.tfstate') ? `${backend.key.slice(0, -'.tfstate'.length)}${suffix}.tfstate` : `${backend.key}${suffix}` };
    case 'cloud':
      return { ...backend, workspace: `${backend.workspace}${suffix}` };
  }
}

/** The state of one part: the environment's own for the whole or tooling stack; a target stack's beside it, so no two stacks share a state. */
export const backendFor = (backend: BackendConfig, part: StackPart): BackendConfig =>
  part.kind === 'targets' ? stateBeside(backend, part.name.slice(part.environment.length)) : backend;

/** The `stateBeside` suffix that matches every target stack of an environment (an IAM or HCP Terraform wildcard). */
export const ANY_TARGET_STACK = targetStackName('', 0).replace(/0$/, '*');
