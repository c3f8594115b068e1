/**
 * Arguments that the bindings we pin (@cdktf/provider-aws 21.22.1, hashicorp/aws 6.25) write but an older
 * provider build does not know. The real-Terraform check removes them, in its temporary copy only, when it
 * validates with such an older build (for example a local mirror), and prints every removal. An argument
 * missing from this list fails `terraform validate` there: the check never hides what it does not know.
 */

/** An argument that exists only from a provider version on. */
export interface NewerArgument {
  /** Resource type that has the argument. */
  readonly resourceType: string;
  /** Top-level argument or block name. */
  readonly argument: string;
  /** First hashicorp/aws version that accepts it. */
  readonly since: string;
  /** Where `since` comes from. */
  readonly source: string;
}

export const NEWER_ONLY_ARGUMENTS: readonly NewerArgument[] = [
  {
    resourceType: 'aws_codebuild_webhook',
    argument: 'pull_request_build_policy',
    since: '6.13.0',
    source: 'hashicorp/terraform-provider-aws CHANGELOG, 6.13.0 (September 11, 2025): "Add `pull_request_build_policy` configuration block" (#44201)',
  },
];

/** Compares two dotted versions numerically: negative when a < b, 0 when equal, positive when a > b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** A removal made for an older provider. */
export interface Removal extends NewerArgument {
  /** `type.name` of the resource the argument was removed from. */
  readonly address: string;
}

type Resources = Record<string, Record<string, Record<string, unknown>>>;

/**
 * Removes, in place, every argument of `resources` that `providerVersion` does not know yet, and returns
 * what it removed. Nothing is removed for a provider at or above each argument's `since`.
 */
export function removeNewerArguments(resources: Resources | undefined, providerVersion: string, known = NEWER_ONLY_ARGUMENTS): Removal[] {
  const removed: Removal[] = [];
  for (const entry of known) {
    if (compareVersions(providerVersion, entry.since) >= 0) continue;
    for (const [name, body] of Object.entries(resources?.[entry.resourceType] ?? {})) {
      if (!(entry.argument in body)) continue;
      delete body[entry.argument];
      removed.push({ ...entry, address: `${entry.resourceType}.${name}` });
    }
  }
  return removed;
}
