/**
 * The access matrix: every path the delivery system needs, and the paths that must not exist, evaluated with a real
 * IAM engine over the policies of a resolved plan. A family of paths a file; checks.ts lists them.
 */
export { accessChecks } from './checks';
export { checkAccess, evaluate, evaluateChecks, PolicyCache } from './evaluate';
export type { Shard } from './evaluate';
export { AccessModel } from './model';
export type { AccessCheck, AccessResult } from './principals';
