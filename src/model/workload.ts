/**
 * Expands `{account}`, `{region}` and `{stack}` in a permission of a `cloudformation` workload for every
 * stack of an account, so one statement in the environment file scopes to each account's own resources.
 */
export function expandPlaceholders(value: string, places: ReadonlyArray<{ account: string; region: string; stackName: string }>): string[] {
  if (!/\{(account|region|stack)\}/.test(value)) return [value];
  const expanded = places.map((p) => value.replace(/\{account\}/g, p.account).replace(/\{region\}/g, p.region).replace(/\{stack\}/g, p.stackName));
  return [...new Set(expanded)].sort();
}
